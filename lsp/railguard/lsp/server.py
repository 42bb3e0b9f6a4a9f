"""The Railguard `LanguageServer`: cross-cutting state and the domain logic around it.

Holds the configuration, the backend client, one `FolderState` per workspace folder (repository,
identity, project), one `ProjectState` per project (its shown incidents as compact records in a
`ProjectStore`, last live-feed seq), a small LRU of full incidents for hovers, and the placement
caches: one `LineMap` per (document, version, commit), so an
edit re-diffs only the edited file, and a new incident costs a bisect. Handlers live in
`features/`, one module per concern (esbonio's layout); they stay thin and call into here.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import os
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from railguard.lsp import placement as pl
from railguard.lsp.backend import Backend, BackendError
from railguard.lsp.config import Options, Settings
from railguard.lsp.diagnostics import PlacedIncident, RelatedFrame
from railguard.lsp.gitrepo import GitRepo, RepoInfo
from railguard.lsp.hover import frame_label
from railguard.lsp.paths import FileIndex
from railguard.lsp.store import FrameRef, IncidentRecord, ProjectStore, train
from railguard.wire.models import Incident

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "railguard/status"
SHOWN_STATUSES = ("open", "acknowledged")
MAX_RELATED = 5
#: Full incidents (for hovers and copied stack traces) kept after they were fetched.
FULL_INCIDENTS = 64
#: LineMaps of files on disk kept, and frame answers kept before that cache starts over.
DISK_MAPS = 32
DISK_LINES = 50_000
DiskKey = tuple[Path, str, str, int]
#: Incidents per page of the initial load: each page is whole wire objects until compacted.
LOAD_PAGE = 100

try:
    VERSION = version("railguard")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    VERSION = "0.0.0"


@dataclass
class FolderState:
    uri: str
    path: Path
    info: RepoInfo | None = None
    repo: GitRepo | None = None
    identity: str | None = None
    project_id: int | None = None
    head: str | None = None
    fingerprint: tuple[int, ...] = ()


@dataclass
class ProjectState:
    project_id: int
    incidents: ProjectStore = field(default_factory=ProjectStore)
    seq: int | None = None
    connected: bool = False
    task: asyncio.Task[None] | None = None


def release_memory() -> None:
    """Give freed memory back to the OS after a big load (glibc keeps it otherwise)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


class RailguardServer(LanguageServer):
    """State shared by the features; see the module docstring."""

    def __init__(self) -> None:
        super().__init__("railguard", VERSION)
        self.options = Options()
        self.settings: Settings | None = None
        self.backend: Backend | None = None
        self.user: str | None = None
        self.problem: str | None = None
        self.folders: dict[str, FolderState] = {}
        self.repos: dict[Path, GitRepo] = {}
        self.projects: dict[int, ProjectState] = {}
        self.file_index: dict[Path, FileIndex] = {}
        self.placed: dict[str, list[PlacedIncident]] = {}
        self.full: LRUCache[int, Incident] = LRUCache(maxsize=FULL_INCIDENTS)
        self._linemaps: dict[str, dict[tuple[int | None, str], pl.LineMap | None]] = {}
        # Files that are not open: a few LineMaps, and every frame's answer (a publish asks
        # again for the same frames; the maps of hundreds of caller files would not fit).
        self._disk_maps: LRUCache[DiskKey, pl.LineMap] = LRUCache(maxsize=DISK_MAPS)
        self._disk_lines: dict[tuple[DiskKey, int, pl.FrameContext], int | None] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.debounce: dict[str, asyncio.Task[None]] = {}
        self._told: set[str] = set()
        self.connector: asyncio.Task[Any] | None = None
        self.head_watcher: asyncio.Task[Any] | None = None
        self.startup_problems: list[str] = []
        self.credentials_stamp: float | None = None

    # --- small helpers ------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run in the background, keeping a strong reference; errors go to the log."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task failed", exc_info=t.exception())

        task.add_done_callback(done)
        return task

    def tell(self, text: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Show a message to the user once (per distinct text), and always log it."""
        self.window_log_message(types.LogMessageParams(type=kind, message=text))
        if text not in self._told:
            self._told.add(text)
            self.window_show_message(types.ShowMessageParams(type=kind, message=text))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Unexpected handler errors go to the log, not to a popup per keystroke."""
        log.error("error in handler: %s", error, exc_info=error)

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def stop_background(self) -> None:
        for task in [*self._tasks, *self.debounce.values()]:
            task.cancel()
        for state in self.projects.values():
            if state.task is not None:
                state.task.cancel()

    # --- repositories and documents -----------------------------------------------------------

    def folder_for_path(self, path: Path) -> FolderState | None:
        """The folder whose repository contains `path` (the deepest top level wins)."""
        best: FolderState | None = None
        for folder in self.folders.values():
            if folder.info is None or folder.project_id is None:
                continue
            top = folder.info.toplevel
            if path.is_relative_to(top) and (
                best is None or best.info is None or len(top.parts) > len(best.info.toplevel.parts)
            ):
                best = folder
        return best

    def locate(self, uri: str) -> tuple[FolderState, str] | None:
        """(folder, repository-relative path) of a document, or None (not ours)."""
        fs = to_fs_path(uri)
        if fs is None:
            return None
        path = Path(os.path.realpath(fs))
        folder = self.folder_for_path(path)
        if folder is None or folder.info is None:
            return None
        return folder, path.relative_to(folder.info.toplevel).as_posix()

    async def index_for(self, folder: FolderState) -> FileIndex:
        assert folder.info is not None and folder.repo is not None
        top = folder.info.toplevel
        files = await folder.repo.files()
        current = self.file_index.get(top)
        if current is None or current.files != frozenset(files):
            current = self.file_index[top] = FileIndex(files)
        return current

    def shown_incidents(self, project_id: int | None) -> Iterable[IncidentRecord]:
        state = self.projects.get(project_id) if project_id is not None else None
        if state is None:
            return ()
        return (i for i in state.incidents if i.status in SHOWN_STATUSES)

    # --- placement ----------------------------------------------------------------------------

    async def _linemap(
        self, uri: str, version: int | None, commit: str, repo: GitRepo, rel: str, new: list[str]
    ) -> pl.LineMap | None:
        """LineMap from `rel` at `commit` to the document text; None when the commit or the file
        at that commit is not in the clone. Cached per (uri, version, commit)."""
        per_doc = self._linemaps.setdefault(uri, {})
        key = (version, commit)
        if key not in per_doc:
            if any(v != version for v, _ in per_doc):
                per_doc.clear()  # a new version: every older map is stale
            old = await repo.file_at(commit, rel)
            per_doc[key] = None if old is None else pl.LineMap(pl.split_lines(old), new)
        return per_doc[key]

    async def place_document(self, uri: str) -> list[PlacedIncident]:
        """Place every shown incident whose crash frame is in this document."""
        located = self.locate(uri)
        doc = self.workspace.text_documents.get(uri)
        if located is None or doc is None:
            return []
        folder, rel = located
        assert folder.repo is not None
        state = self.projects.get(folder.project_id) if folder.project_id is not None else None
        if state is None:
            return []
        index = await self.index_for(folder)
        new = pl.split_lines(doc.source)
        out: list[PlacedIncident] = []
        for (path, original_path), records in state.incidents.sites():
            if index.resolve(path, original_path) != rel:
                continue
            for record in records:
                crash = record.crash
                if record.status not in SHOWN_STATUSES or crash is None or crash.line is None:
                    continue
                context, callers = state.incidents.details(record)
                placement = await self._place(
                    uri, doc.version, record.commit, folder.repo, rel, new, crash.line, context
                )
                related = await self._related(folder, index, record, callers)
                out.append(PlacedIncident(record, placement, record.commit, related))
        return out

    async def _place(
        self,
        uri: str,
        version: int | None,
        commit: str | None,
        repo: GitRepo,
        rel: str,
        new: list[str],
        line: int,
        context: pl.FrameContext,
    ) -> pl.Placement:
        mapping = await self._linemap(uri, version, commit, repo, rel, new) if commit else None
        if mapping is None:
            return pl.place_by_context(new, line, context)
        return mapping.place(line, context)

    async def _related(
        self,
        folder: FolderState,
        index: FileIndex,
        record: IncidentRecord,
        callers: tuple[FrameRef, ...],
    ) -> tuple[RelatedFrame, ...]:
        """Other in-app frames that are files of the workspace, at their current line."""
        if not self.options.show_related_frames or folder.info is None or folder.repo is None:
            return ()
        out: list[RelatedFrame] = []
        for frame in callers:
            if frame.line is None:
                continue
            rel = index.resolve(frame.path, frame.original_path)
            if rel is None:
                continue
            context = pl.FrameContext(frame.context_line)
            line = await self.current_line(folder, rel, record.commit, frame.line, context)
            if line is None:
                continue
            uri = from_fs_path(str(folder.info.toplevel / rel)) or ""
            out.append(RelatedFrame(uri, line, f"called from {frame_label(frame)}"))
            if len(out) >= MAX_RELATED:
                break
        return tuple(out)

    async def current_line(
        self,
        folder: FolderState,
        rel: str,
        commit: str | None,
        reported: int,
        context: pl.FrameContext,
    ) -> int | None:
        """Current 0-based line of a frame (its 1-based `reported` line and its context) in
        any workspace file: the open buffer if there is one, else the file on disk; None when
        the line was deleted."""
        assert folder.info is not None and folder.repo is not None
        path = folder.info.toplevel / rel
        uri = from_fs_path(str(path)) or ""
        doc = self.workspace.text_documents.get(uri)
        if doc is not None:
            new = pl.split_lines(doc.source)
            result = await self._place(
                uri, doc.version, commit, folder.repo, rel, new, reported, context
            )
            return result.line
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        key = (path, commit or "", folder.head or "", mtime)
        answer = (key, reported, context)
        if answer in self._disk_lines:
            return self._disk_lines[answer]
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
            line = pl.place_by_context(mapping.new, reported, context).line
        else:
            line = mapping.place(reported, context).line
        self._disk_lines[answer] = line
        return line

    def invalidate_placements(self) -> None:
        self._linemaps.clear()
        self._disk_maps.clear()
        self._disk_lines.clear()

    def forget_document(self, uri: str) -> None:
        self._linemaps.pop(uri, None)
        self.placed.pop(uri, None)

    # --- incidents ----------------------------------------------------------------------------

    def apply_incident(self, incident: Incident) -> None:
        """Store the latest state of an incident (from an action or the live feed)."""
        self.full[incident.id] = incident
        state = self.projects.get(incident.project_id)
        if state is None:
            return
        if incident.status in SHOWN_STATUSES:
            state.incidents.put(state.incidents.record(incident))
        else:
            state.incidents.discard(incident.id)

    def find_incident(self, incident_id: int) -> IncidentRecord | None:
        for state in self.projects.values():
            found = state.incidents.get(incident_id)
            if found is not None:
                return found
        return None

    async def full_incident(self, incident_id: int) -> Incident:
        """The incident with its whole stack: from the LRU when it is as new as the record,
        else from the backend (`BackendError` when that fails)."""
        known = self.find_incident(incident_id)
        cached = self.full.get(incident_id)
        if cached is not None and (known is None or cached.change_seq >= known.change_seq):
            return cached
        if self.backend is None:
            raise BackendError(self.problem or "Railguard is not connected")
        detail = await self.backend.incident(incident_id)
        self.full[incident_id] = detail
        return detail

    def head_for_project(self, project_id: int) -> str | None:
        for folder in self.folders.values():
            if folder.project_id == project_id and folder.head:
                return folder.head
        return None

    async def refresh_project(self, state: ProjectState) -> None:
        """Replace the cache with the backend's current list (first load, catch-up), compacting
        each page as it arrives so that the full incidents never pile up."""
        assert self.backend is not None
        store: ProjectStore | None = None
        seq = state.seq or 0
        pages = self.backend.incident_pages(state.project_id, SHOWN_STATUSES, limit=LOAD_PAGE)
        async for page in pages:
            if store is None:
                store = ProjectStore(zdict=train(page))
            for incident in page:
                seq = max(seq, incident.change_seq)
                if incident.status in SHOWN_STATUSES:
                    store.put(store.record(incident))
            del page
        if store is None:
            store = ProjectStore()
        state.incidents = store
        state.seq = seq or state.seq
        self.full.clear()
        release_memory()

    # --- status -------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        connected = bool(self.projects) and all(s.connected for s in self.projects.values())
        return {
            "connected": connected if self.problem is None else False,
            "serverUrl": self.settings.server_url if self.settings else None,
            "user": self.user,
            "problem": self.problem,
            "projects": [
                {
                    "folder": f.uri,
                    "repository": f.identity or "",
                    "projectId": f.project_id,
                    "openIncidents": sum(1 for _ in self.shown_incidents(f.project_id)),
                }
                for f in self.folders.values()
            ],
        }

    def notify_status(self) -> None:
        self.protocol.notify(STATUS_NOTIFICATION, self.status())

    def set_problem(self, problem: str | None, *, error: BackendError | None = None) -> None:
        if problem is not None:
            self.tell(problem, types.MessageType.Error if error else types.MessageType.Warning)
        if problem != self.problem:
            self.problem = problem
            self.notify_status()


server = RailguardServer()
