"""Async git for the language server: repository identity, HEAD, files at a commit.

Every call is `git` in a subprocess through `asyncio.create_subprocess_exec`, so nothing blocks
the event loop (reference/lsp-notes.md §12 and §13). `GitRepo` keeps the per-repository caches:
file text per (commit, path) in an LRU, commit existence, and the tracked-file list for suffix
matching, which is refreshed when HEAD moves. HEAD moves are noticed by `stat`-ing `HEAD`, the
branch's ref file and `packed-refs` (`head_fingerprint`), which costs microseconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cachetools import LRUCache

from railguard.wire.repository import InvalidRepository, normalize_repository

log = logging.getLogger(__name__)

GIT_TIMEOUT = 10.0
_ENV = {
    **os.environ,
    "GIT_TERMINAL_PROMPT": "0",  # never wait for a password on a pipe nobody reads
    "GIT_OPTIONAL_LOCKS": "0",  # reading must not take index.lock from the user's git
    "LC_ALL": "C",
}


class GitError(Exception):
    """git failed, timed out or is not installed."""


async def git(cwd: str | Path, *args: str, timeout: float = GIT_TIMEOUT) -> bytes:
    """Run `git -C cwd args…` and return its stdout; raise `GitError` on any failure."""
    try:
        proc = await asyncio.create_subprocess_exec(
            "git",
            "-C",
            str(cwd),
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_ENV,
        )
    except OSError as e:
        raise GitError(f"cannot run git: {e}") from e
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError as e:
        proc.kill()
        await proc.wait()
        raise GitError(f"git {args[0]} timed out") from e
    if proc.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])}: {err.decode(errors='replace').strip()}")
    return out


@dataclass(frozen=True, slots=True)
class RepoInfo:
    """What one `git rev-parse` says about a workspace folder."""

    toplevel: Path
    prefix: str
    """The folder inside the repository, `""` at the root or e.g. `services/api/` (monorepo)."""
    head: str | None
    """The checked-out commit; None in a repository without commits yet."""
    shallow: bool


async def repo_info(folder: str | Path) -> RepoInfo | None:
    """The repository containing `folder`, or None when it is not inside a git work tree."""
    try:
        out = await git(
            folder,
            "rev-parse",
            "--show-toplevel",
            "--show-prefix",
            "--is-shallow-repository",
        )
    except GitError as e:
        log.info("no git repository at %s: %s", folder, e)
        return None
    lines = out.decode().split("\n")
    if len(lines) < 3:
        return None
    toplevel, prefix, shallow = lines[0], lines[1], lines[2]
    repo = GitRepo(Path(toplevel))
    return RepoInfo(Path(toplevel), prefix, await repo.head(), shallow.strip() == "true")


async def remote_url(toplevel: str | Path) -> str | None:
    """The clone URL naming this repository (§13): `origin` (git expands `insteadOf`), else the
    upstream branch's remote, else the first remote; None when there is none."""
    names: list[str] = ["origin"]
    try:
        upstream = (await git(toplevel, "rev-parse", "--abbrev-ref", "@{u}")).decode().strip()
        if "/" in upstream:
            names.append(upstream.split("/", 1)[0])
    except GitError:
        pass
    try:
        names += (await git(toplevel, "remote")).decode().split()
    except GitError:
        return None
    for name in dict.fromkeys(names):
        try:
            url = (await git(toplevel, "remote", "get-url", name)).decode().strip()
        except GitError:
            continue
        if url:
            return url
    return None


async def repository_identity(toplevel: str | Path) -> str | None:
    """`host/owner/name` of the repository's remote, or None (no remote, or a local path)."""
    url = await remote_url(toplevel)
    if url is None:
        return None
    try:
        return normalize_repository(url)
    except InvalidRepository:
        log.info("remote of %s has no repository identity", toplevel)
        return None


class GitRepo:
    """One repository (a work tree's top level) and its caches."""

    def __init__(self, toplevel: Path, *, cache_size: int = 256) -> None:
        self.toplevel = toplevel
        self._texts: LRUCache[tuple[str, str], str | None] = LRUCache(maxsize=cache_size)
        self._commits: dict[str, bool] = {}
        self._files: list[str] | None = None
        self._files_head: str | None = None
        self._git_dir: Path | None = None
        self._common_dir: Path | None = None

    async def head(self) -> str | None:
        try:
            return (
                (await git(self.toplevel, "rev-parse", "--verify", "-q", "HEAD")).decode().strip()
            )
        except GitError:
            return None

    async def has_commit(self, commit: str) -> bool:
        """Whether `commit` is in the local clone; a miss is re-checked after a HEAD move."""
        known = self._commits.get(commit)
        if known is not None:
            return known
        try:
            await git(self.toplevel, "cat-file", "-e", f"{commit}^{{commit}}")
            found = True
        except GitError:
            found = False
        self._commits[commit] = found
        return found

    async def file_at(self, commit: str, path: str) -> str | None:
        """The text of `path` at `commit`, or None when the commit or the path is missing."""
        key = (commit, path)
        if key in self._texts:
            return self._texts[key]
        text: str | None = None
        if await self.has_commit(commit):
            try:
                blob = await git(self.toplevel, "cat-file", "blob", f"{commit}:{path}")
                text = blob.decode("utf-8", "replace")
            except GitError:
                text = None
        self._texts[key] = text
        return text

    async def files(self, *, head: str | None = None) -> list[str]:
        """Tracked and untracked-but-not-ignored files, repository-relative, for suffix
        matching; cached until HEAD moves. `head` is the HEAD the caller already knows (the
        server's watcher keeps it, and a publish must not wait for `git rev-parse`); without
        it git is asked. The same list object comes back until it is refreshed."""
        if head is None:
            head = await self.head()
        if self._files is None or head != self._files_head:
            try:
                out = await git(
                    self.toplevel, "ls-files", "-z", "--cached", "--others", "--exclude-standard"
                )
                self._files = sorted(set(out.decode(errors="replace").split("\0")) - {""})
            except GitError:
                self._files = []
            self._files_head = head
        return self._files

    def forget_missing_commits(self) -> None:
        """After HEAD moved (maybe a fetch or pull), commits that were missing may exist now."""
        self._commits = {c: True for c, found in self._commits.items() if found}
        for key in [k for k, v in self._texts.items() if v is None]:
            del self._texts[key]

    async def _dirs(self) -> tuple[Path, Path]:
        if self._git_dir is None or self._common_dir is None:
            out = await git(
                self.toplevel,
                "rev-parse",
                "--path-format=absolute",
                "--git-dir",
                "--git-common-dir",
            )
            git_dir, common_dir = out.decode().split("\n")[:2]
            self._git_dir, self._common_dir = Path(git_dir), Path(common_dir)
        return self._git_dir, self._common_dir

    async def head_fingerprint(self) -> tuple[int, ...]:
        """Cheap token that changes when HEAD may have moved (checkout, commit, pull, reset)."""
        try:
            git_dir, common_dir = await self._dirs()
        except GitError:
            return ()
        return head_fingerprint(git_dir, common_dir)


def head_fingerprint(git_dir: Path, common_dir: Path) -> tuple[int, ...]:
    """mtimes and sizes of HEAD, the ref it points to and packed-refs (0 when absent)."""
    paths = [git_dir / "HEAD", common_dir / "packed-refs"]
    try:
        head = (git_dir / "HEAD").read_text(errors="replace").strip()
    except OSError:
        head = ""
    if head.startswith("ref: "):
        paths.append(common_dir / head.removeprefix("ref: "))
    out: list[int] = []
    for path in paths:
        try:
            st = path.stat()
            out += [st.st_mtime_ns, st.st_size]
        except OSError:
            out += [0, 0]
    return tuple(out)
