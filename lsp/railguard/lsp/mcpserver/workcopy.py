"""The caller's working copy: its repository, identity and files, and where a frame reported
at a deployed commit is in the files on disk now (the language server's pure placement core,
`core/linemap.py` and `core/contextmatch.py`, on the saved text instead of a buffer)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from railguard.lsp.core import linemap as pl
from railguard.lsp.core.contextmatch import place_by_context
from railguard.lsp.core.linerules import FrameContext, Placement
from railguard.lsp.core.paths import FileIndex
from railguard.lsp.io.git import BlameLine, GitRepo, RepoInfo, repo_info, repository_identity
from railguard.wire.models import Frame


class NotARepository(Exception):
    """The path is not inside a git work tree."""


@dataclass(frozen=True, slots=True)
class PlacedFrame:
    """A frame in the working copy: repository-relative `path` (None when no file of the
    repository matches), its current 1-based `line` (None when removed) and how it was found."""

    path: str | None
    line: int | None
    placement: str


@dataclass
class WorkingCopy:
    info: RepoInfo
    repo: GitRepo
    identity: str | None
    index: FileIndex

    @classmethod
    async def open(cls, folder: str | Path) -> WorkingCopy:
        info = await repo_info(folder)
        if info is None:
            raise NotARepository(f"{folder} is not inside a git work tree")
        repo = GitRepo(info.toplevel)
        identity = await repository_identity(info.toplevel)
        return cls(info, repo, identity, FileIndex(await repo.files(head=info.head)))

    @property
    def head(self) -> str | None:
        return self.info.head

    def _text(self, rel: str) -> list[str] | None:
        try:
            return pl.split_lines((self.info.toplevel / rel).read_text("utf-8", "replace"))
        except OSError:
            return None

    async def place(self, frame: Frame, commit: str | None) -> PlacedFrame:
        """Where `frame` (reported at `commit`) is in the file as saved now."""
        rel = self.index.resolve(frame.path, frame.original_path)
        if rel is None or frame.line is None:
            return PlacedFrame(rel, None, "not in this repository" if rel is None else "no line")
        new = self._text(rel)
        if new is None:
            return PlacedFrame(rel, None, "deleted")
        context = FrameContext(frame.context_line, tuple(frame.pre_context),
                               tuple(frame.post_context))  # fmt: skip
        old = await self.repo.file_at(commit, rel) if commit else None
        placement: Placement = (
            place_by_context(new, frame.line, context)
            if old is None
            else pl.LineMap(pl.split_lines(old), new).place(frame.line, context)
        )
        line = placement.line + 1 if placement.line is not None else None
        return PlacedFrame(rel, line, placement.kind.value)

    async def blame(self, commit: str | None, path: str, line: int) -> BlameLine | None:
        """Who last changed `line` of `path` at `commit` (the deployed one), when known."""
        if commit is None or not await self.repo.has_commit(commit):
            return None
        return await self.repo.blame_line(commit, path, line)
