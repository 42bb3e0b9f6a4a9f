"""Following each project's live feed: every change goes into the incidents and republishes
the open documents of that project (coalesced, so a burst of changes costs one publish per
document). A reconnect after an outage resumes from the last seq, so nothing is missed; while
the backend is away the last known diagnostics stay."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from lsprotocol import types

from railguard.lsp.features.incidents import Incidents, ProjectState
from railguard.lsp.features.publishing import Publishing
from railguard.lsp.features.repositories import Repositories
from railguard.lsp.features.status import Status
from railguard.lsp.io.backend import BackendError
from railguard.lsp.server import RailguardServer
from railguard.wire.models import IncidentChange

log = logging.getLogger(__name__)

#: Delay before the republish a change triggers, so that a burst costs one publish.
COALESCE = 0.02


@dataclass(eq=False)
class LiveFeed:
    """One task per followed project."""

    server: RailguardServer
    repositories: Repositories
    incidents: Incidents
    publishing: Publishing
    status: Status
    _tasks: dict[int, asyncio.Task[None]] = field(default_factory=dict, init=False)

    def follow(self, state: ProjectState) -> None:
        """Follow the project's feed, unless it is followed already."""
        task = self._tasks.get(state.project_id)
        if task is None or task.done():
            self._tasks[state.project_id] = self.server.spawn(self._follow(state))

    def stop(self, project_ids: list[int]) -> None:
        for pid in project_ids:
            task = self._tasks.pop(pid, None)
            if task is not None:
                task.cancel()

    def _project_uris(self, project_id: int) -> list[str]:
        out = []
        for uri in list(self.server.workspace.text_documents):
            located = self.repositories.locate(uri)
            if located is not None and located[0].project_id == project_id:
                out.append(uri)
        return out

    async def _follow(self, state: ProjectState) -> None:
        backend = self.server.connected_backend()
        status = self.status

        async def on_change(change: IncidentChange) -> None:
            if change.incident.project_id != state.project_id:
                return
            self.incidents.apply(change.incident)
            state.seq = change.seq
            if change.kind == "new" and self.server.options.notify_new_incidents:
                self.server.window_show_message(
                    types.ShowMessageParams(
                        type=types.MessageType.Info,
                        message=f"Railguard: new incident: {change.incident.title} "
                        f"({change.incident.url})",
                    )
                )
            for uri in self._project_uris(state.project_id):
                self.publishing.schedule(uri, COALESCE)
            status.notify()

        async def on_state(connected: bool, error: BackendError | None) -> None:
            was = state.connected
            state.connected = connected
            problem = self.server.problem
            if error is not None and error.unauthorized:
                status.set_problem(f"Railguard: the live feed was refused: {error}", error=error)
            elif connected and problem is not None and problem.startswith("Railguard: live"):
                status.set_problem(None)
            if connected != was:
                status.notify()

        await backend.follow(state.project_id, state.seq, on_change, on_state)
