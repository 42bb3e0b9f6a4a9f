"""Quick fixes on an incident's diagnostic, and the `railguard.*` commands behind them.

Every action is also a `workspace/executeCommand` command taking the incident id. State changes
go to the backend (resolve records the current HEAD), update the local cache and republish every
open document *before* the command returns; other editors see it through the live feed.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from railguard.lsp.backend import Action, BackendError
from railguard.lsp.diagnostics import incident_id_of
from railguard.lsp.features import documents
from railguard.lsp.hover import stack_text
from railguard.lsp.server import RailguardServer, server

RESOLVE = "railguard.resolveIncident"
ACKNOWLEDGE = "railguard.acknowledgeIncident"
IGNORE = "railguard.ignoreIncident"
OPEN = "railguard.openIncident"
COPY = "railguard.copyStackTrace"
REFRESH = "railguard.refresh"
STATUS = "railguard.status"
LIST = "railguard.listIncidents"

QUICK_FIXES = (
    (RESOLVE, "Resolve incident #{id}"),
    (ACKNOWLEDGE, "Acknowledge incident #{id}"),
    (IGNORE, "Ignore incident #{id}"),
    (OPEN, "Open incident #{id} in the browser"),
    (COPY, "Copy the stack trace of incident #{id}"),
)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
async def code_actions(
    ls: RailguardServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """Resolve, acknowledge, ignore, open and copy, for each incident under the cursor."""
    out: list[types.CodeAction] = []
    seen: set[int] = set()
    for diagnostic in params.context.diagnostics:
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
    return out or None


async def act(ls: RailguardServer, incident_id: int, action: Action) -> dict[str, Any]:
    if ls.backend is None:
        raise BackendError(ls.problem or "Railguard is not connected")
    known = ls.find_incident(incident_id)
    commit = ls.head_for_project(known.project_id) if known is not None else None
    if commit is None and ls.folders:
        commit = next((f.head for f in ls.folders.values() if f.head), None)
    incident = await ls.backend.act(incident_id, action, commit if action == "resolve" else None)
    ls.apply_incident(incident)
    await documents.publish_all(ls)
    ls.notify_status()
    return incident.model_dump(mode="json")


@server.command(RESOLVE)
async def resolve(ls: RailguardServer, incident_id: int) -> dict[str, Any]:
    """Resolve, recording the current HEAD commit."""
    return await act(ls, incident_id, "resolve")


@server.command(ACKNOWLEDGE)
async def acknowledge(ls: RailguardServer, incident_id: int) -> dict[str, Any]:
    """Acknowledge: still shown, one severity lower."""
    return await act(ls, incident_id, "acknowledge")


@server.command(IGNORE)
async def ignore(ls: RailguardServer, incident_id: int) -> dict[str, Any]:
    """Ignore: no longer shown."""
    return await act(ls, incident_id, "ignore")


async def url_of(ls: RailguardServer, incident_id: int) -> str:
    known = ls.find_incident(incident_id)
    if known is not None:
        return known.url
    return (await ls.full_incident(incident_id)).url


@server.command(OPEN)
async def open_incident(ls: RailguardServer, incident_id: int) -> dict[str, Any]:
    """Open the incident's page: showDocument when the client has it, else a message."""
    url = await url_of(ls, incident_id)
    window = ls.client_capabilities.window
    if window is not None and window.show_document is not None and window.show_document.support:
        await ls.window_show_document_async(types.ShowDocumentParams(uri=url, external=True))
    else:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info, message=f"Incident {incident_id}: {url}"
            )
        )
    return {"url": url}


@server.command(COPY)
async def copy_stack_trace(ls: RailguardServer, incident_id: int) -> dict[str, Any]:
    """The stack trace as text; the client puts it on the clipboard."""
    return {"text": stack_text(await ls.full_incident(incident_id))}


@server.command(REFRESH)
async def refresh(ls: RailguardServer) -> dict[str, Any]:
    """Reload every project's incidents and republish."""
    for state in list(ls.projects.values()):
        await ls.refresh_project(state)
    ls.invalidate_placements()
    await documents.publish_all(ls)
    ls.notify_status()
    return {"incidents": sum(len(s.incidents) for s in ls.projects.values())}


@server.command(STATUS)
async def status(ls: RailguardServer) -> dict[str, Any]:
    """Connection state and per-folder counts (also sent as `railguard/status`)."""
    return ls.status()


@server.command(LIST)
async def list_incidents(ls: RailguardServer) -> list[dict[str, Any]]:
    """Open incidents of open documents, for pickers and quickfix lists; those not placed on
    any line too, with a `note` saying why."""
    out = []
    for uri, placed in ls.placed.items():
        for p in placed:
            item = {
                "incidentId": p.incident.id,
                "title": p.incident.title,
                "uri": uri,
                "line": p.placement.line,
                "character": 0,
                "severity": p.incident.level,
                "placement": p.placement.kind.value,
                "eventCount": p.incident.event_count,
                "lastSeen": p.incident.last_seen.isoformat(),
            }
            if p.placement.line is None:
                # Not placed (docs/placement.md): listed where its line was removed.
                item["line"] = p.placement.near or 0
                item["note"] = (
                    f"not placed: the line was removed since {p.commit[:7]}"
                    if p.commit
                    else "not placed: the line is no longer in this file"
                )
            out.append(item)
    return out
