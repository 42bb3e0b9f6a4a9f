"""Git access for the language server, through pygit2 (libgit2): repository identity, HEAD,
files at a commit, the repository's file list.

libgit2 calls block, so they run in one worker thread of their own, one at a time (a libgit2
repository object must not be used by two threads at once, and one thread keeps one malloc
arena, inside the language server's memory budget). `GitRepo`
keeps the per-repository caches: file text per (commit, path) in an LRU, commit existence,
and the file list for suffix matching, refreshed when HEAD moves. HEAD moves are noticed by
`stat`-ing `HEAD`, the branch's ref file and `packed-refs` (`head_fingerprint`), which costs
microseconds; nothing here runs the `git` program.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pygit2
from cachetools import LRUCache

from railguard.wire.repository import InvalidRepository, normalize_repository

log = logging.getLogger(__name__)

T = TypeVar("T")
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="git")
#: What libgit2 raises for a missing object, a bad revision or an unreadable repository.
_GIT_ERRORS = (pygit2.GitError, KeyError, ValueError, OSError)
#: Ancestors of a fix sent with a resolve (the backend accepts up to 5,000).
ANCESTORS = 1000


@dataclass(frozen=True, slots=True)
class BlameLine:
    """Who last changed a line, as of a commit (local blame; no code leaves the machine)."""

    commit: str
    author: str
    email: str
    when: datetime
    summary: str


@dataclass(frozen=True, slots=True)
class RepoInfo:
    """Where a workspace folder is in its repository."""

    toplevel: Path
    prefix: str
    """The folder inside the repository, `""` at the root or e.g. `services/api/` (monorepo)."""
    head: str | None
    """The checked-out commit; None in a repository without commits yet."""
    shallow: bool


def _open(folder: str | Path) -> pygit2.Repository | None:
    """The repository with a work tree that contains `folder`, or None."""
    # libgit2's object cache (up to 256 MiB) would keep trees and commits that GitRepo's own
    # caches make redundant, inside the language server's memory budget.
    pygit2.settings.enable_caching(False)
    try:
        found = pygit2.discover_repository(str(folder))
        repo = pygit2.Repository(found) if found is not None else None
    except _GIT_ERRORS as e:
        log.info("no git repository at %s: %s", folder, e)
        return None
    if repo is None or repo.is_bare or repo.workdir is None:
        return None
    return repo


def _head(repo: pygit2.Repository) -> str | None:
    try:
        return None if repo.head_is_unborn else str(repo.head.target)
    except _GIT_ERRORS:
        return None


def _repo_info(folder: str | Path) -> RepoInfo | None:
    repo = _open(folder)
    if repo is None:
        return None
    toplevel = Path(os.path.realpath(repo.workdir))
    inside = Path(os.path.realpath(folder))
    prefix = "" if inside == toplevel else inside.relative_to(toplevel).as_posix() + "/"
    return RepoInfo(toplevel, prefix, _head(repo), repo.is_shallow)


async def _in_thread(work: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(_THREAD, work)


async def repo_info(folder: str | Path) -> RepoInfo | None:
    """The repository containing `folder`, or None when it is not inside a git work tree."""
    return await _in_thread(lambda: _repo_info(folder))


def _remote_url(toplevel: str | Path) -> str | None:
    repo = _open(toplevel)
    if repo is None:
        return None
    names = ["origin"]
    try:
        if not repo.head_is_unborn and not repo.head_is_detached:
            upstream = repo.config[f"branch.{repo.head.shorthand}.remote"]
            if upstream and upstream != ".":
                names.append(upstream)
    except _GIT_ERRORS:
        pass
    names += sorted(name for name in repo.remotes.names() if name)
    for name in dict.fromkeys(names):
        try:
            url = repo.remotes[name].url  # libgit2 applies `url.<base>.insteadOf`
        except _GIT_ERRORS:
            continue
        if url:
            return str(url)
    return None


async def remote_url(toplevel: str | Path) -> str | None:
    """The clone URL naming this repository: `origin`, else the current branch's upstream
    remote, else the first remote by name; None when there is none."""
    return await _in_thread(lambda: _remote_url(toplevel))


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
        self._blames: LRUCache[tuple[str, str, int], BlameLine | None] = LRUCache(maxsize=256)
        self._files: list[str] | None = None
        self._files_head: str | None = None
        self._dirs: tuple[Path, Path] | None = None
        self._repo: pygit2.Repository | None = None

    async def _run(self, work: Callable[[pygit2.Repository], T], missing: T) -> T:
        """`work(repository)` in the git thread; `missing` when the repository is gone or
        libgit2 fails."""

        def run() -> T:
            if self._repo is None:
                self._repo = _open(self.toplevel)
            if self._repo is None:
                return missing
            try:
                return work(self._repo)
            except _GIT_ERRORS as e:
                log.debug("git in %s: %s", self.toplevel, e)
                return missing

        return await _in_thread(run)

    async def head(self) -> str | None:
        return await self._run(_head, None)

    async def has_commit(self, commit: str) -> bool:
        """Whether `commit` is in the local clone; a miss is re-checked after a HEAD move."""
        known = self._commits.get(commit)
        if known is not None:
            return known

        def find(repo: pygit2.Repository) -> bool:
            return isinstance(repo.revparse_single(f"{commit}^{{commit}}"), pygit2.Commit)

        found = self._commits[commit] = await self._run(find, False)
        return found

    async def file_at(self, commit: str, path: str) -> str | None:
        """The text of `path` at `commit`, or None when the commit or the path is missing."""
        key = (commit, path)
        if key in self._texts:
            return self._texts[key]
        text: str | None = None
        if await self.has_commit(commit):

            def read(repo: pygit2.Repository) -> str | None:
                tree = repo.revparse_single(f"{commit}^{{tree}}")
                blob = repo[tree[path].id] if isinstance(tree, pygit2.Tree) else None
                if not isinstance(blob, pygit2.Blob):
                    return None
                return blob.data.decode("utf-8", "replace")

            text = await self._run(read, None)
        self._texts[key] = text
        return text

    async def files(self, *, head: str | None = None) -> list[str]:
        """Tracked files and untracked ones that are not ignored, repository-relative, for
        suffix matching; cached until HEAD moves. `head` is the HEAD the caller already knows
        (the HEAD watcher keeps it, and a publish must not wait for git); without it the
        repository is asked. The same list object comes back until it is refreshed."""
        if head is None:
            head = await self.head()
        if self._files is None or head != self._files_head:
            fresh: list[str] = await self._run(_file_list, [])
            self._files, self._files_head = fresh, head
            return fresh
        return self._files

    async def ancestors(self, commit: str, limit: int = ANCESTORS) -> list[str]:
        """Up to `limit` ancestors of `commit` (itself excluded), newest first: sent with a
        resolve, so that the backend knows builds of these commits do not contain the fix
        (docs/releases.md). Empty when the commit is missing."""

        def walk(repo: pygit2.Repository) -> list[str]:
            start = repo.revparse_single(f"{commit}^{{commit}}")
            out: list[str] = []
            walker = repo.walk(start.id, pygit2.enums.SortMode.TOPOLOGICAL)
            for found in walker:
                if found.id != start.id:
                    out.append(str(found.id))
                    if len(out) >= limit:
                        break
            return out

        return await self._run(walk, [])

    async def blame_line(self, commit: str, path: str, line: int) -> BlameLine | None:
        """Who last changed the 1-based `line` of `path` as of `commit` (libgit2's blame), or
        None when the commit, the path or the line is missing. Answers are kept per
        (commit, path, line): history before a commit does not change."""
        key = (commit, path, line)
        if key in self._blames:
            return self._blames[key]

        def blame(repo: pygit2.Repository) -> BlameLine | None:
            start = repo.revparse_single(f"{commit}^{{commit}}")
            try:
                found = repo.blame(path, newest_commit=start.id, min_line=line, max_line=line)
                hunk = found.for_line(line)
            except IndexError:  # past the end of the file
                return None
            changed = repo[hunk.final_commit_id]
            if not isinstance(changed, pygit2.Commit):
                return None
            author = changed.author
            when = datetime.fromtimestamp(author.time, UTC)
            summary = changed.message.strip().splitlines()[0] if changed.message.strip() else ""
            return BlameLine(str(changed.id), author.name, author.email, when, summary)

        answer = await self._run(blame, None)
        self._blames[key] = answer
        return answer

    def forget_missing_commits(self) -> None:
        """After HEAD moved (maybe a fetch or pull), commits that were missing may exist now."""
        self._commits = {c: True for c, found in self._commits.items() if found}
        for key in [k for k, v in self._texts.items() if v is None]:
            del self._texts[key]

    async def head_fingerprint(self) -> tuple[int, ...]:
        """Cheap token that changes when HEAD may have moved (checkout, commit, pull, reset)."""
        if self._dirs is None:
            self._dirs = await self._run(_git_dirs, None)
            if self._dirs is None:
                return ()
        return head_fingerprint(*self._dirs)


def _file_list(repo: pygit2.Repository) -> list[str]:
    index = repo.index
    index.read(False)  # the user's git may have changed it since the last look
    files = {entry.path for entry in index}
    new = pygit2.enums.FileStatus.WT_NEW
    files.update(p for p, flags in repo.status(untracked_files="all").items() if flags & new)
    return sorted(files)


def _git_dirs(repo: pygit2.Repository) -> tuple[Path, Path]:
    """The repository's git directory and common directory (they differ in a linked work
    tree, whose `commondir` file names the main repository's)."""
    git_dir = Path(repo.path)
    try:
        common = (git_dir / (git_dir / "commondir").read_text().strip()).resolve()
    except OSError:
        common = git_dir
    return git_dir, common


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
