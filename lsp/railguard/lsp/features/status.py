"""The connection's state for the client's status bar: the `railguard.status` command, the
`railguard/status` notification with the same body, and the one current problem. Besides the
open incidents, each project counts its uptime monitors that are down (`monitorsDown`, null
while unknown; kept up to date by features/uptime.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from railguard.lsp.features.incidents import Incidents
from railguard.lsp.features.repositories import Repositories
from railguard.lsp.io.backend import BackendError
from railguard.lsp.server import RailguardServer

COMMAND = "railguard.status"
NOTIFICATION = "railguard/status"


@dataclass(eq=False)
class Status:
    server: RailguardServer
    repositories: Repositories
    incidents: Incidents
    monitors_down: dict[int, int] = field(default_factory=dict, init=False)

    def set_monitors_down(self, down: dict[int, int]) -> None:
        """The projects' down monitors as last counted; notify when that changed."""
        if down != self.monitors_down:
            self.monitors_down = dict(down)
            self.notify()

    def body(self) -> dict[str, Any]:
        server, projects = self.server, self.incidents.projects
        connected = bool(projects) and all(s.connected for s in projects.values())
        return {
            "connected": connected if server.problem is None else False,
            "serverUrl": server.settings.server_url if server.settings else None,
            "user": server.user,
            "problem": server.problem,
            "projects": [
                {
                    "folder": f.uri,
                    "repository": f.identity or "",
                    "projectId": f.project_id,
                    "openIncidents": self.incidents.open_count(f.project_id),
                    "monitorsDown": self.monitors_down.get(f.project_id)
                    if f.project_id is not None
                    else None,
                }
                for f in self.repositories.folders.values()
            ],
        }

    def notify(self) -> None:
        """Send `railguard/status` (the connection state or a count changed)."""
        self.server.protocol.notify(NOTIFICATION, self.body())

    def set_problem(self, problem: str | None, *, error: BackendError | None = None) -> None:
        """Tell a problem (once per text) and notify when the current one changed."""
        if problem is not None:
            kind = types.MessageType.Error if error else types.MessageType.Warning
            self.server.tell(problem, kind)
        if problem != self.server.problem:
            self.server.problem = problem
            self.notify()

    async def command(self) -> dict[str, Any]:
        """Connection state and per-folder counts (also sent as `railguard/status`)."""
        return self.body()


def setup(status: Status) -> Status:
    """Register the handlers of `status` on its server."""
    server = status.server
    server.handle_command(COMMAND, status.command)
    return status
