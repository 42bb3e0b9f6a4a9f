"""Placing a project's incidents in an open document, and any frame in any workspace file.

`Placer` holds the placement caches, so that a publish after an edit redoes only what the edit
changed (the target is in docs/language-server.md, "Placement"):

- the document's lines, split once per (document, version);
- one `LineMap` per (document, version, commit): one diff, then a bisect per incident;
- files that are not open: a few `LineMap`s and every frame's answer, keyed by the file's mtime;
- each incident's related frames, kept with what they were computed from (the file index,
  HEAD, and the version or mtime of every file the callers are in), so that they are recomputed
  only when one of those changed; checking costs one `stat` per caller file per publish.

The git calls are async; everything else is in-memory work that does not wait.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from cachetools import LRUCache
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from railguard.lsp.core import linemap as pl
from railguard.lsp.core.contextmatch import place_by_context
from railguard.lsp.core.diagnostics import PlacedIncident, RelatedFrame
from railguard.lsp.core.linerules import FrameContext, Placement
from railguard.lsp.core.paths import FileIndex
from railguard.lsp.core.records import FrameRef, IncidentRecord, ProjectStore
from railguard.lsp.core.traces import frame_label
from railguard.lsp.features.repositories import FolderState
from railguard.lsp.io.git import GitRepo
from railguard.lsp.server import RailguardServer

MAX_RELATED = 5
#: LineMaps of files on disk kept, and frame answers kept before that cache starts over.
DISK_MAPS = 32
DISK_LINES = 50_000
#: Incidents whose related frames are kept (those of the open documents, and then some).
RELATED_CACHE = 1024
DiskKey = tuple[Path, str, str, int]
#: What a related-frames answer depended on: a file's open version or its mtime on disk.
Stamp = tuple[str, int | None]


class _Related(NamedTuple):
    record: IncidentRecord
    file_index: FileIndex
    head: str | None
    files: tuple[str, ...]
    stamps: tuple[Stamp, ...]
    frames: tuple[RelatedFrame, ...]


class _Stamps:
    """The state of workspace files during one publish: the open document's version, else the
    mtime on disk; each file is looked at once."""

    def __init__(self, toplevel: Path, documents: Mapping[str, TextDocument]) -> None:
        self._top = str(toplevel)
        self._seen: dict[str, Stamp] = {}
        self._open: dict[str, int | None] = {}
        for uri, doc in documents.items():
            fs = to_fs_path(uri)
            # Only a URI that `current_line` finds again from the path counts as open there.
            if fs is not None and from_fs_path(fs) == uri:
                self._open[os.path.normpath(fs)] = doc.version

    def __call__(self, rel: str) -> Stamp:
        stamp = self._seen.get(rel)
        if stamp is None:
            path = os.path.join(self._top, *rel.split("/"))
            if path in self._open:
                stamp = ("open", self._open[path])
            else:
                try:
                    stamp = ("disk", os.stat(path).st_mtime_ns)
                except OSError:
                    stamp = ("disk", None)
            self._seen[rel] = stamp
        return stamp


class Placer:
    """The placement caches and the code that fills them (see the module docstring)."""

    def __init__(self, documents: Callable[[], Mapping[str, TextDocument]]) -> None:
        self._documents = documents
        self._lines: dict[str, tuple[int, list[str]]] = {}
        self._linemaps: dict[str, dict[tuple[int | None, str], pl.LineMap | None]] = {}
        # Files that are not open: a few LineMaps, and every frame's answer (a publish asks
        # again for the same frames; the maps of hundreds of caller files would not fit).
        self._disk_maps: LRUCache[DiskKey, pl.LineMap] = LRUCache(maxsize=DISK_MAPS)
        self._disk_lines: dict[tuple[DiskKey, int, FrameContext], Placement] = {}
        self._related: OrderedDict[int, _Related] = OrderedDict()

    def invalidate(self) -> None:
        """After HEAD moved or the incidents were reloaded: nothing cached is trusted."""
        self._linemaps.clear()
        self._disk_maps.clear()
        self._disk_lines.clear()
        self._related.clear()

    def forget(self, uri: str) -> None:
        self._linemaps.pop(uri, None)
        self._lines.pop(uri, None)

    def lines(self, uri: str, doc: TextDocument) -> list[str]:
        """The document's lines (`placement.split_lines`), split once per version."""
        cached = self._lines.get(uri)
        if cached is not None and doc.version is not None and cached[0] == doc.version:
            return cached[1]
        lines = pl.split_lines(doc.source)
        if doc.version is not None:
            self._lines[uri] = (doc.version, lines)
        return lines

    async def _linemap(
        self, uri: str, version: int | None, commit: str, repo: GitRepo, rel: str, new: list[str]
    ) -> pl.LineMap | None:
        """LineMap from `rel` at `commit` to the document text; None when the commit or the file
        at that commit is not in the clone. Cached per (uri, version, commit)."""
        per_doc = self._linemaps.setdefault(uri, {})
        key = (version, commit)
        if key not in per_doc:
            # The commit's lines, from the previous version's map when there is one.
            known = next((m.old for (_, c), m in per_doc.items() if c == commit and m), None)
            if any(v != version for v, _ in per_doc):
                per_doc.clear()  # a new version: every older map is stale
            if known is not None:
                per_doc[key] = pl.LineMap(known, new)
            else:
                old = await repo.file_at(commit, rel)
                per_doc[key] = None if old is None else pl.LineMap(pl.split_lines(old), new)
        return per_doc[key]

    async def place_document(
        self,
        uri: str,
        doc: TextDocument,
        folder: FolderState,
        rel: str,
        store: ProjectStore,
        index: FileIndex,
        *,
        related: bool,
    ) -> list[PlacedIncident]:
        """Place every shown incident of `store` whose crash frame is in `rel` (this document),
        with its related frames when `related`."""
        assert folder.info is not None and folder.repo is not None
        version = doc.version
        new = self.lines(uri, doc)
        stamps = _Stamps(folder.info.toplevel, self._documents())
        maps: dict[str, pl.LineMap | None] = {}
        out: list[PlacedIncident] = []
        for site in store.sites():
            if index.resolve(*site) != rel:
                continue
            for record in store.at(site):
                crash = record.crash
                if not record.shown or crash is None or crash.line is None:
                    continue
                context, callers = store.details(record)
                commit = record.commit
                if commit and commit not in maps:
                    maps[commit] = await self._linemap(uri, version, commit, folder.repo, rel, new)
                mapping = maps.get(commit) if commit else None
                if mapping is None:
                    placement = place_by_context(new, crash.line, context)
                else:
                    placement = mapping.place(crash.line, context)
                frames = (
                    await self._related_frames(folder, index, record, callers, stamps)
                    if related
                    else ()
                )
                out.append(PlacedIncident(record, placement, commit, frames))
        return out

    async def _related_frames(
        self,
        folder: FolderState,
        index: FileIndex,
        record: IncidentRecord,
        callers: tuple[FrameRef, ...],
        stamps: _Stamps,
    ) -> tuple[RelatedFrame, ...]:
        """Other in-app frames that are files of the workspace, at their current line; the
        last answer when nothing it depended on changed."""
        cached = self._related.get(record.id)
        if (
            cached is not None
            and cached.record is record
            and cached.file_index is index
            and cached.head == folder.head
            and all(
                stamps(rel) == stamp for rel, stamp in zip(cached.files, cached.stamps, strict=True)
            )
        ):
            self._related.move_to_end(record.id)
            return cached.frames
        assert folder.info is not None
        files: list[str] = []
        seen: list[Stamp] = []
        out: list[RelatedFrame] = []
        for frame in callers:
            if frame.line is None:
                continue
            rel = index.resolve(frame.path, frame.original_path)
            if rel is None:
                continue
            files.append(rel)
            seen.append(stamps(rel))  # before the answer: a change meanwhile is seen next time
            context = FrameContext(frame.context_line)
            line = await self.current_line(folder, rel, record.commit, frame.line, context)
            if line is None:
                continue
            uri = sys.intern(from_fs_path(str(folder.info.toplevel / rel)) or "")
            out.append(RelatedFrame(uri, line, f"called from {frame_label(frame)}"))
            if len(out) >= MAX_RELATED:
                break
        frames = tuple(out)
        self._related[record.id] = _Related(
            record, index, folder.head, tuple(files), tuple(seen), frames
        )
        if len(self._related) > RELATED_CACHE:
            self._related.popitem(last=False)
        return frames

    async def current_line(
        self,
        folder: FolderState,
        rel: str,
        commit: str | None,
        reported: int,
        context: FrameContext,
    ) -> int | None:
        """Current 0-based line of a frame (its 1-based `reported` line and its context) in
        any workspace file: the open buffer if there is one, else the file on disk; None when
        the line was deleted."""
        found = await self.current_placement(folder, rel, commit, reported, context)
        return found[0].line if found is not None else None

    async def current_placement(
        self,
        folder: FolderState,
        rel: str,
        commit: str | None,
        reported: int,
        context: FrameContext,
    ) -> tuple[Placement, Sequence[str]] | None:
        """`current_line`'s placement, with the current lines it was placed in; None when the
        file is gone."""
        assert folder.info is not None and folder.repo is not None
        path = folder.info.toplevel / rel
        uri = from_fs_path(str(path)) or ""
        doc = self._documents().get(uri)
        if doc is not None:
            new = self.lines(uri, doc)
            mapping = (
                await self._linemap(uri, doc.version, commit, folder.repo, rel, new)
                if commit
                else None
            )
            if mapping is None:
                return place_by_context(new, reported, context), new
            return mapping.place(reported, context), new
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        key = (path, commit or "", folder.head or "", mtime)
        answer = (key, reported, context)
        if answer in self._disk_lines and key in self._disk_maps:
            return self._disk_lines[answer], self._disk_maps[key].new
        if len(self._disk_lines) >= DISK_LINES:
            self._disk_lines.clear()
        if key not in self._disk_maps:
            text = await asyncio.to_thread(path.read_text, "utf-8", "replace")
            old = await folder.repo.file_at(commit, rel) if commit else None
            new_lines = pl.split_lines(text)
            # Without the commit's text, the "old" side is unknown: map by context, but keep
            # the disk lines so that the next hover does not read the file again. An unchanged
            # file shares one list of lines for both sides.
            self._disk_maps[key] = pl.LineMap(
                (new_lines if old == text else pl.split_lines(old)) if old is not None else [],
                new_lines,
                hunks=None if old is not None else [],
            )
        mapping = self._disk_maps[key]
        if not mapping.old:
            placement = place_by_context(mapping.new, reported, context)
        else:
            placement = mapping.place(reported, context)
        self._disk_lines[answer] = placement
        return placement, mapping.new


def setup(server: RailguardServer) -> Placer:
    """The placement caches over the server's open documents."""
    return Placer(lambda: server.workspace.text_documents)
