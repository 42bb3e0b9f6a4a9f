"""Who runs the embedded PostgreSQL and what it may touch: nothing is ever widened.

These tests run as root here and in CI, so the root path runs for real; the non-root path is
the decision logic with the effective uid patched (a non-root process cannot run this venv's
interpreter, which lives under /root, without opening /root up: the very thing forbidden)."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from railguard.server import embedded_owner, settings
from railguard.server.embedded_db import EmbeddedPostgres
from railguard.server.embedded_owner import can_traverse, first_unreachable, reachable_install
from support import pg_home

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the root path needs root")


def fake_stat(uid: int, gid: int, mode: int) -> os.stat_result:
    return os.stat_result((stat.S_IFDIR | mode, 0, 0, 0, uid, gid, 0, 0, 0, 0))


@pytest.mark.parametrize(
    "owner, group, mode, expected",
    [
        pytest.param(7, 0, 0o700, True, id="own-folder"),
        pytest.param(0, 0, 0o700, False, id="root-private"),
        pytest.param(0, 7, 0o710, True, id="via-group"),
        pytest.param(0, 7, 0o701, False, id="group-closed-beats-other"),
        pytest.param(0, 0, 0o711, True, id="other-x"),
        pytest.param(0, 0, 0o755, True, id="usual-755"),
    ],
)  # fmt: skip
def test_can_traverse(owner: int, group: int, mode: int, expected: bool) -> None:
    assert can_traverse(fake_stat(owner, group, mode), uid=7, gids={7}) is expected


def test_first_unreachable_names_the_closed_folder(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    (closed / "inner").mkdir(parents=True)
    closed.chmod(0o700)
    nobody = pwd.getpwnam("nobody")
    tmp_path.chmod(0o711)
    blocked = first_unreachable(closed / "inner" / "home", nobody.pw_uid, {nobody.pw_gid})
    assert blocked in (closed, *[p for p in tmp_path.parents if not p.stat().st_mode & 0o001])


def test_a_normal_user_keeps_the_cluster_private_and_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert settings.default_home() != settings.ROOT_HOME
    assert ".local/share/railguard" in str(settings.default_home())
    pg = EmbeddedPostgres(tmp_path / "home")
    assert pg._run_as() is None
    parent_mode = tmp_path.stat().st_mode
    pg.prepare()
    assert stat.S_IMODE((tmp_path / "home").stat().st_mode) == 0o700
    assert (tmp_path / "home").stat().st_uid == os.getuid()  # not handed to anyone
    assert tmp_path.stat().st_mode == parent_mode


@root_only
def test_as_root_the_default_home_needs_no_widening() -> None:
    assert settings.default_home() == settings.ROOT_HOME == Path("/var/lib/railguard")
    user = embedded_owner.system_user()
    assert user.pw_shell.endswith("nologin") or user.pw_shell.endswith("bash")  # older installs
    assert (
        first_unreachable(settings.ROOT_HOME, user.pw_uid, embedded_owner.groups_of(user)) is None
    )


@root_only
def test_as_root_a_closed_home_is_refused_with_the_fix_and_nothing_is_chmodded(
    tmp_path: Path,
) -> None:
    closed = tmp_path / "private"
    closed.mkdir(mode=0o700)
    modes = {p: p.stat().st_mode for p in [closed, tmp_path, *tmp_path.parents]}
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
    env["RAILGUARD_HOME"] = str(closed / "home")
    result = subprocess.run(
        [sys.executable, "-m", "railguard.server", "serve", "--port", "0"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "cannot enter" in line and "unset RAILGUARD_HOME for /var/lib/railguard" in line
    assert modes == {p: p.stat().st_mode for p in modes}, "a folder was widened"
    assert not (closed / "home").exists()


@root_only
def test_as_root_the_cluster_runs_as_its_user_and_widens_nothing(tmp_path: Path) -> None:
    home = pg_home(tmp_path)
    modes = {p: p.stat().st_mode for p in [tmp_path, *tmp_path.parents]}
    pg = EmbeddedPostgres(home)
    pg.start()
    try:
        pid = int((pg.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        status = Path(f"/proc/{pid}/status").read_text()
        user = pwd.getpwnam(embedded_owner.SYSTEM_USER)
        uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
        gid_line = next(line for line in status.splitlines() if line.startswith("Gid:"))
        groups = next(line for line in status.splitlines() if line.startswith("Groups:"))
        assert uid_line.split()[1:] == [str(user.pw_uid)] * 4
        assert gid_line.split()[1:] == [str(user.pw_gid)] * 4
        assert "0" not in groups.split()[1:], "no root group"
    finally:
        pg.stop("immediate")
    assert home.stat().st_uid == user.pw_uid and stat.S_IMODE(home.stat().st_mode) == 0o700
    assert modes == {p: p.stat().st_mode for p in modes}


@root_only
def test_binaries_the_user_cannot_reach_are_copied_into_its_home(tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"  # like a venv under /root
    install = hidden / "pginstall"
    for part in ("bin", "lib", "share"):
        (install / part).mkdir(parents=True)
    (install / "bin" / "postgres").write_text("#!/bin/sh\n")
    (install / "bin" / "postgres").chmod(0o755)
    hidden.chmod(0o700)
    (tmp_path / "open").mkdir()
    home = pg_home(tmp_path / "open")
    user = embedded_owner.system_user()
    embedded_owner.claim_home(home, user)
    chosen = reachable_install(install, home, user)
    assert chosen.parent == home and (chosen / "bin" / "postgres").exists()
    assert stat.S_IMODE(hidden.stat().st_mode) == 0o700
    assert reachable_install(install, home, user) == chosen  # copied once
    reachable = tmp_path / "open" / "pginstall"
    (reachable / "bin").mkdir(parents=True)
    (reachable / "bin" / "postgres").write_text("")
    assert reachable_install(reachable, home, user) == reachable
