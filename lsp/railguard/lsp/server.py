"""The Railguard `LanguageServer`: connection and project state, and the domain logic around it.

Holds the configuration, the backend client, one `FolderState` per workspace folder (repository,
identity, project), one `ProjectState` per project (its shown incidents as compact records in a
`ProjectStore`, last live-feed seq), a small LRU of full incidents for hovers, and the `Placer`
with the placement caches (`placing.py`). Handlers live in `features/`, one module per concern
(esbonio's layout); they stay thin and call into here.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
import inspect
import json
import logging
import os
from collections.abc import Coroutine, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from railguard.lsp.config import Options, Settings
from railguard.lsp.core import linemap as pl
from railguard.lsp.core.diagnostics import PlacedIncident, RenderedDiagnostics
from railguard.lsp.core.paths import FileIndex
from railguard.lsp.core.records import IncidentRecord, ProjectStore, train
from railguard.lsp.io.backend import Backend, BackendError
from railguard.lsp.io.git import GitRepo
from railguard.lsp.placing import SHOWN_STATUSES, Placer
from railguard.lsp.state import FolderState, ProjectState
from railguard.wire.models import Incident

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "railguard/status"
#: Full incidents (for hovers and copied stack traces) kept after they were fetched.
FULL_INCIDENTS = 64
#: Incidents per page of the initial load: each page is whole wire objects until compacted.
LOAD_PAGE = 100

try:
    VERSION = version("railguard")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    VERSION = "0.0.0"


def release_memory() -> None:
    """After a big load: give freed memory back to the OS (glibc keeps it otherwise), and
    freeze what survived. A full collection walks every tracked object, and after a load that
    is the 10,000 records besides everything imported: 55-65 ms on the event loop, at a moment
    of the collector's choosing (one landed in an edit's publish). Frozen objects are still
    freed by reference counting; only a cycle among them waits for the next load, which
    unfreezes and collects them first."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, or None (looked up once: `find_library` runs ldconfig)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    return trim


class RailguardProtocol(LanguageServerProtocol):
    """pygls's protocol, plus notifications whose params are JSON text already."""

    def notify_json(self, method: str, params: str) -> None:
        """Send `params` (JSON text, e.g. `RenderedDiagnostics`) as they are: `notify` would
        turn them into lsprotocol objects and back through the converter, which costs more
        than the rest of a publish. Writes like `_send_data`."""
        if self.writer is None:
            log.error("Unable to send %s, no available transport", method)
            return
        body = f'{{"jsonrpc":"2.0","method":{json.dumps(method)},"params":{params}}}'.encode()
        if self._include_headers:
            header = (
                f"Content-Length: {len(body)}\r\n"
                f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
            )
            body = header.encode() + body
        res = self.writer.write(body)
        if inspect.isawaitable(res):
            asyncio.ensure_future(res)


class RailguardServer(LanguageServer):
    """State shared by the features; see the module docstring."""

    protocol: RailguardProtocol

    def __init__(self) -> None:
        super().__init__("railguard", VERSION, protocol_cls=RailguardProtocol)
        self.options = Options()
        self.settings: Settings | None = None
        self.backend: Backend | None = None
        self.user: str | None = None
        self.problem: str | None = None
        self.folders: dict[str, FolderState] = {}
        self.repos: dict[Path, GitRepo] = {}
        self.projects: dict[int, ProjectState] = {}
        self.file_index: dict[Path, tuple[list[str], FileIndex]] = {}
        self.placed: dict[str, list[PlacedIncident]] = {}
        self.rendered: dict[str, RenderedDiagnostics] = {}
        self.full: LRUCache[int, Incident] = LRUCache(maxsize=FULL_INCIDENTS)
        self.placer = Placer(lambda: self.workspace.text_documents)
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
        """The repository's file index, rebuilt when `GitRepo.files` gave a new list (HEAD
        moved; the watcher keeps `folder.head`, so a publish does not run git)."""
        assert folder.info is not None and folder.repo is not None
        top = folder.info.toplevel
        files = await folder.repo.files(head=folder.head)
        current = self.file_index.get(top)
        if current is None or current[0] is not files:
            same = current is not None and current[1].files == frozenset(files)
            # Same files (HEAD moved, nothing added or removed): keep the index's answers.
            index = current[1] if current is not None and same else FileIndex(files)
            current = self.file_index[top] = (files, index)
        return current[1]

    def shown_incidents(self, project_id: int | None) -> Iterable[IncidentRecord]:
        state = self.projects.get(project_id) if project_id is not None else None
        if state is None:
            return ()
        return (i for i in state.incidents if i.status in SHOWN_STATUSES)

    # --- placement ---------------------------------------------------------------------------

    async def place_document(self, uri: str) -> list[PlacedIncident]:
        """Place every shown incident whose crash frame is in this document."""
        located = self.locate(uri)
        doc = self.workspace.text_documents.get(uri)
        if located is None or doc is None:
            return []
        folder, rel = located
        state = self.projects.get(folder.project_id) if folder.project_id is not None else None
        if state is None or folder.repo is None:
            return []
        index = await self.index_for(folder)
        related = self.options.show_related_frames
        return await self.placer.place_document(
            uri, doc, folder, rel, state.incidents, index, related=related
        )

    async def current_line(
        self,
        folder: FolderState,
        rel: str,
        commit: str | None,
        reported: int,
        context: pl.FrameContext,
    ) -> int | None:
        """Current 0-based line of a frame in any workspace file (`Placer.current_line`)."""
        return await self.placer.current_line(folder, rel, commit, reported, context)

    def invalidate_placements(self) -> None:
        self.placer.invalidate()

    def forget_document(self, uri: str) -> None:
        self.placer.forget(uri)
        self.placed.pop(uri, None)
        self.rendered.pop(uri, None)

    def publish_diagnostics_json(self, uri: str, version: int | None, diagnostics: str) -> None:
        """`textDocument/publishDiagnostics` with the diagnostics as a JSON array's text."""
        params = f'{{"uri":{json.dumps(uri)},"diagnostics":{diagnostics}'
        if version is not None:
            params += f',"version":{version}'
        self.protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params + "}")

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
        await asyncio.to_thread(_malloc_trim)  # the first lookup runs ldconfig: not on the loop
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
