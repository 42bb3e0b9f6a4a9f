"""The Railguard `LanguageServer`: cross-cutting state and the domain logic around it.

Holds the configuration, the backend client, one `FolderState` per workspace folder (repository,
identity, project), one `ProjectState` per project (incident cache keyed by id, last live-feed
seq, path index) and the placement caches: one `LineMap` per (document, version, commit), so an
edit re-diffs only the edited file, and a new incident costs a bisect. Handlers live in
`features/`, one module per concern (esbonio's layout); they stay thin and call into here.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from railguard.lsp import placement as pl
from railguard.lsp.backend import Backend, BackendError
from railguard.lsp.config import Options, Settings
from railguard.lsp.diagnostics import PlacedIncident, RelatedFrame
from railguard.lsp.gitrepo import GitRepo, RepoInfo
from railguard.lsp.hover import frame_label
from railguard.lsp.paths import FileIndex, commit_of, crash_frame
from railguard.wire.models import Frame, Incident

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "railguard/status"
SHOWN_STATUSES = ("open", "acknowledged")
MAX_RELATED = 5

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
    incidents: dict[int, Incident] = field(default_factory=dict)
    seq: int | None = None
    connected: bool = False
    task: asyncio.Task[None] | None = None


def context_of(frame: Frame) -> pl.FrameContext:
    return pl.FrameContext(frame.context_line, tuple(frame.pre_context), tuple(frame.post_context))


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
        self._linemaps: dict[str, dict[tuple[int | None, str], pl.LineMap | None]] = {}
        self._disk_maps: dict[tuple[Path, str, str, int], pl.LineMap] = {}
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

    def shown_incidents(self, project_id: int | None) -> Iterable[Incident]:
        state = self.projects.get(project_id) if project_id is not None else None
        if state is None:
            return ()
        return (i for i in state.incidents.values() if i.status in SHOWN_STATUSES)

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
        index = await self.index_for(folder)
        new = pl.split_lines(doc.source)
        out: list[PlacedIncident] = []
        for incident in self.shown_incidents(folder.project_id):
            frame = crash_frame(incident)
            if frame is None or frame.line is None:
                continue
            if index.resolve(frame.path, frame.original_path) != rel:
                continue
            commit = commit_of(incident)
            placement = await self._place(uri, doc.version, commit, folder.repo, rel, new, frame)
            related = await self._related(folder, index, incident, frame)
            out.append(PlacedIncident(incident, placement, commit, related))
        return out

    async def _place(
        self,
        uri: str,
        version: int | None,
        commit: str | None,
        repo: GitRepo,
        rel: str,
        new: list[str],
        frame: Frame,
    ) -> pl.Placement:
        assert frame.line is not None
        context = context_of(frame)
        mapping = await self._linemap(uri, version, commit, repo, rel, new) if commit else None
        if mapping is None:
            return pl.place_by_context(new, frame.line, context)
        return mapping.place(frame.line, context)

    async def _related(
        self, folder: FolderState, index: FileIndex, incident: Incident, crash: Frame
    ) -> tuple[RelatedFrame, ...]:
        """Other in-app frames that are files of the workspace, at their current line."""
        if not self.options.show_related_frames or folder.info is None or folder.repo is None:
            return ()
        out: list[RelatedFrame] = []
        for frame in reversed(incident.stack):
            if frame is crash or frame == crash or not frame.in_app or frame.line is None:
                continue
            rel = index.resolve(frame.path, frame.original_path)
            if rel is None:
                continue
            line = await self.current_line(folder, rel, commit_of(incident), frame)
            if line is None:
                continue
            uri = from_fs_path(str(folder.info.toplevel / rel)) or ""
            out.append(RelatedFrame(uri, line, f"called from {frame_label(frame)}"))
            if len(out) >= MAX_RELATED:
                break
        return tuple(out)

    async def current_line(
        self, folder: FolderState, rel: str, commit: str | None, frame: Frame
    ) -> int | None:
        """Current 0-based line of a frame in any workspace file: the open buffer if there is
        one, else the file on disk; None when the line was deleted."""
        assert folder.info is not None and folder.repo is not None and frame.line is not None
        path = folder.info.toplevel / rel
        uri = from_fs_path(str(path)) or ""
        doc = self.workspace.text_documents.get(uri)
        if doc is not None:
            new = pl.split_lines(doc.source)
            result = await self._place(uri, doc.version, commit, folder.repo, rel, new, frame)
            return result.line
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        key = (path, commit or "", folder.head or "", mtime)
        if key not in self._disk_maps:
            if len(self._disk_maps) > 2000:
                self._disk_maps.clear()
            text = await asyncio.to_thread(path.read_text, "utf-8", "replace")
            old = await folder.repo.file_at(commit, rel) if commit else None
            # Without the commit's text, the "old" side is unknown: map by context, but keep
            # the disk lines so that the next hover does not read the file again.
            self._disk_maps[key] = pl.LineMap(
                pl.split_lines(old) if old is not None else [],
                pl.split_lines(text),
                hunks=None if old is not None else [],
            )
        mapping = self._disk_maps[key]
        if not mapping.old:
            return pl.place_by_context(mapping.new, frame.line, context_of(frame)).line
        return mapping.place(frame.line, context_of(frame)).line

    def invalidate_placements(self) -> None:
        self._linemaps.clear()
        self._disk_maps.clear()

    def forget_document(self, uri: str) -> None:
        self._linemaps.pop(uri, None)
        self.placed.pop(uri, None)

    # --- incidents ----------------------------------------------------------------------------

    def apply_incident(self, incident: Incident) -> None:
        """Store the latest state of an incident (from an action or the live feed)."""
        state = self.projects.get(incident.project_id)
        if state is None:
            return
        if incident.status in SHOWN_STATUSES:
            state.incidents[incident.id] = incident
        else:
            state.incidents.pop(incident.id, None)

    def find_incident(self, incident_id: int) -> Incident | None:
        for state in self.projects.values():
            if incident_id in state.incidents:
                return state.incidents[incident_id]
        return None

    def head_for_project(self, project_id: int) -> str | None:
        for folder in self.folders.values():
            if folder.project_id == project_id and folder.head:
                return folder.head
        return None

    async def refresh_project(self, state: ProjectState) -> None:
        """Replace the cache with the backend's current list (first load, catch-up)."""
        assert self.backend is not None
        incidents = await self.backend.incidents(state.project_id, SHOWN_STATUSES)
        state.incidents = {i.id: i for i in incidents if i.status in SHOWN_STATUSES}
        state.seq = max([state.seq or 0, *(i.change_seq for i in incidents)]) or state.seq

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
