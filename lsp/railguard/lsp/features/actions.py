"""Quick fixes on an incident's diagnostic, and the `railguard.*` commands behind them.

Every action is also a `workspace/executeCommand` command taking the incident id. State changes
go to the backend (resolve records the current HEAD), update the local incidents and republish
every open document *before* the command returns; other editors see it through the live feed.
Also `railguard.refresh` (`railguard.status` is features/status, `railguard.listIncidents`
features/workspace).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from railguard.lsp.core.diagnostics import incident_id_of
from railguard.lsp.core.traces import stack_text
from railguard.lsp.features.base import IncidentFeature
from railguard.lsp.io.backend import Action

RESOLVE = "railguard.resolveIncident"
ACKNOWLEDGE = "railguard.acknowledgeIncident"
IGNORE = "railguard.ignoreIncident"
OPEN = "railguard.openIncident"
COPY = "railguard.copyStackTrace"
REFRESH = "railguard.refresh"

QUICK_FIXES = (
    (RESOLVE, "Resolve incident #{id}"),
    (ACKNOWLEDGE, "Acknowledge incident #{id}"),
    (IGNORE, "Ignore incident #{id}"),
    (OPEN, "Open incident #{id} in the browser"),
    (COPY, "Copy the stack trace of incident #{id}"),
)


def quick_fixes(diagnostics: Sequence[types.Diagnostic]) -> list[types.CodeAction]:
    """Resolve, acknowledge, ignore, open and copy, once per incident of `diagnostics`."""
    out: list[types.CodeAction] = []
    seen: set[int] = set()
    for diagnostic in diagnostics:
        incident_id = incident_id_of(diagnostic)
        if incident_id is None or incident_id in seen:
            continue
        seen.add(incident_id)
        for command, title in QUICK_FIXES:
            text = title.format(id=incident_id)
            out.append(
                types.CodeAction(
                    title=text,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=command == RESOLVE or None,
                    command=types.Command(title=text, command=command, arguments=[incident_id]),
                )
            )
    return out


@dataclass(eq=False)
class Actions(IncidentFeature):
    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        """The quick fixes for the incidents under the cursor."""
        return quick_fixes(params.context.diagnostics) or None

    async def _act(self, incident_id: int, action: Action) -> dict[str, Any]:
        backend = self.server.connected_backend()
        known = self.incidents.find(incident_id)
        commit = None
        ancestors: list[str] = []
        if action == "resolve":
            folder = self.repositories.folder_for_project(known.project_id if known else None)
            if folder is not None and folder.head:
                commit = folder.head
                if folder.repo is not None:
                    ancestors = await folder.repo.ancestors(commit)
        incident = await backend.act(incident_id, action, commit, ancestors)
        self.incidents.apply(incident)
        await self.publishing.publish_all()
        self.status.notify()
        return incident.model_dump(mode="json")

    async def resolve(self, incident_id: int) -> dict[str, Any]:
        """Resolve, recording the current HEAD commit and its ancestors: the incident then shows
        "fixed in <HEAD>, awaiting deploy" until a deploy contains it (docs/releases.md)."""
        return await self._act(incident_id, "resolve")

    async def acknowledge(self, incident_id: int) -> dict[str, Any]:
        """Acknowledge: still shown, one severity lower."""
        return await self._act(incident_id, "acknowledge")

    async def ignore(self, incident_id: int) -> dict[str, Any]:
        """Ignore: no longer shown."""
        return await self._act(incident_id, "ignore")

    async def open_incident(self, incident_id: int) -> dict[str, Any]:
        """Open the incident's page: showDocument when the client has it, else a message."""
        server = self.server
        known = self.incidents.find(incident_id)
        url = known.url if known is not None else (await self.incidents.full(incident_id)).url
        window = server.client_capabilities.window
        if window is not None and window.show_document is not None and window.show_document.support:
            await server.window_show_document_async(
                types.ShowDocumentParams(uri=url, external=True)
            )
        else:
            server.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Info, message=f"Incident {incident_id}: {url}"
                )
            )
        return {"url": url}

    async def copy_stack_trace(self, incident_id: int) -> dict[str, Any]:
        """The stack trace as text; the client puts it on the clipboard."""
        return {"text": stack_text(await self.incidents.full(incident_id))}

    async def refresh(self) -> dict[str, Any]:
        """Reload every project's incidents and republish."""
        projects = self.incidents.projects
        for state in list(projects.values()):
            await self.incidents.refresh(state)
        self.placer.invalidate()
        await self.publishing.publish_all()
        self.status.notify()
        return {"incidents": sum(len(s.incidents) for s in projects.values())}


def setup(actions: Actions) -> Actions:
    """Register the handlers of `actions` on its server."""
    server = actions.server
    server.handle(
        types.TEXT_DOCUMENT_CODE_ACTION,
        actions.code_actions,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    server.handle_command(RESOLVE, actions.resolve)
    server.handle_command(ACKNOWLEDGE, actions.acknowledge)
    server.handle_command(IGNORE, actions.ignore)
    server.handle_command(OPEN, actions.open_incident)
    server.handle_command(COPY, actions.copy_stack_trace)
    server.handle_command(REFRESH, actions.refresh)
    return actions
