"""Every incident of the workspace, not only those of open documents: `railguard.listIncidents`
for pickers, quickfix lists and tree views, and LSP 3.17 pull diagnostics
(`workspace/diagnostic`) for the files that are not open.

Open documents keep their pushed diagnostics (features/publishing.py); so that a client that
pulls does not show them twice, `textDocument/diagnostic` answers an empty report and the
workspace report leaves open documents out. A closed file is placed on disk through history
(`Placer.current_placement`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from railguard.lsp.core import linemap as pl
from railguard.lsp.core.diagnostics import (
    PlacedIncident,
    Shown,
    awaiting,
    line_span,
    to_diagnostic,
)
from railguard.lsp.core.linerules import Placement
from railguard.lsp.features.base import IncidentFeature

LIST = "railguard.listIncidents"
SHOW = "railguard.showIncident"


@dataclass(frozen=True, slots=True)
class Found:
    """An incident of the workspace where it is now, with the lines it was placed in."""

    uri: str
    placed: PlacedIncident
    lines: Sequence[str]


@dataclass(eq=False)
class WorkspaceIncidents(IncidentFeature):
    #: Documents the last workspace report gave diagnostics for (cleared when they have none).
    _reported: set[str] = field(default_factory=set, init=False)

    async def everywhere(self, *, open_documents: bool = True) -> list[Found]:
        """Every shown incident of the workspace's projects whose crash is in a workspace file:
        from the open documents' placements, then the files on disk."""
        out: list[Found] = []
        listed: set[int] = set()
        for uri, placed in list(self.publishing.placed.items()):
            listed.update(p.incident.id for p in placed)
            if not open_documents:
                continue
            doc = self.server.workspace.text_documents.get(uri)
            lines = pl.split_lines(doc.source) if doc is not None else []
            out.extend(Found(uri, p, lines) for p in placed)
        open_uris = set(self.server.workspace.text_documents)
        for folder in list(self.repositories.folders.values()):
            state = self.incidents.projects.get(folder.project_id or -1)
            if state is None or folder.info is None or folder.repo is None:
                continue
            index = await self.repositories.index_for(folder)
            for record in list(self.incidents.shown(folder.project_id)):
                crash = record.crash
                if record.id in listed or crash is None or crash.line is None:
                    continue
                rel = index.resolve(crash.path, crash.original_path)
                if rel is None or not rel.startswith(folder.info.prefix):
                    continue
                uri = from_fs_path(str(folder.info.toplevel / rel))
                if not uri or (uri in open_uris and not open_documents):
                    continue
                context, _ = state.incidents.details(record)
                found = await self.placer.current_placement(
                    folder, rel, record.commit, crash.line, context
                )
                if found is None:
                    continue
                listed.add(record.id)
                out.append(Found(uri, PlacedIncident(record, found[0], record.commit), found[1]))
        return out

    async def list_incidents(self) -> list[dict[str, Any]]:
        """`railguard.listIncidents` (ARCHITECTURE.md, the contract)."""
        encoding = self.server.encoding
        return [
            _item(f.placed.incident, f.uri, f.placed.placement, f.placed.commit, f.lines, encoding)
            for f in await self.everywhere()
        ]

    async def show_incident(self, incident_id: int) -> dict[str, Any]:
        """Open the incident's file at its placed line: `window/showDocument` when the client
        has it (the answer says whether it was shown); the target either way, for clients that
        open it themselves (a `vscode://` link, `:Railguard goto`)."""
        found = next(
            (f for f in await self.everywhere() if f.placed.incident.id == incident_id), None
        )
        if found is None:
            return {"shown": False, "reason": "not in this workspace"}
        placement = found.placed.placement
        line = placement.line if placement.line is not None else (placement.near or 0)
        start, end = line_span(found.lines, line, self.server.encoding)
        target = {"uri": found.uri, "line": line, "character": start}
        window = self.server.client_capabilities.window
        if window is None or not window.show_document or not window.show_document.support:
            return {"shown": False, **target}
        shown = await self.server.window_show_document_async(
            types.ShowDocumentParams(
                uri=found.uri,
                take_focus=True,
                selection=types.Range(
                    types.Position(line, start),
                    types.Position(line, end if placement.line is not None else start),
                ),
            )
        )
        return {"shown": bool(shown.success), **target}

    async def document_diagnostic(
        self, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport:
        """Open documents get theirs pushed; an empty pull report keeps them single."""
        return types.RelatedFullDocumentDiagnosticReport(items=[])

    async def workspace_diagnostic(
        self, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        """The diagnostics of the workspace files that are not open, one report per file, and
        empty reports for files that had some in the last answer and have none now."""
        now = datetime.now(UTC)
        options = self.server.options
        by_uri: dict[str, list[types.Diagnostic]] = {}
        for found in await self.everywhere(open_documents=False):
            diagnostic = to_diagnostic(
                found.placed, found.lines, self.server.encoding, now=now,
                severity_overrides=options.severity, show_related=False,
            )  # fmt: skip
            if diagnostic is not None:
                by_uri.setdefault(found.uri, []).append(diagnostic)
        for uri in self._reported - set(by_uri):
            by_uri[uri] = []
        self._reported = {uri for uri, items in by_uri.items() if items}
        return types.WorkspaceDiagnosticReport(
            items=[
                types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=items, version=None)
                for uri, items in sorted(by_uri.items())
            ]
        )


def _item(
    incident: Shown,
    uri: str,
    placement: Placement,
    commit: str | None,
    lines: Sequence[str],
    encoding: str,
) -> dict[str, Any]:
    """One entry of `railguard.listIncidents`."""
    line = placement.line if placement.line is not None else (placement.near or 0)
    item: dict[str, Any] = {
        "incidentId": incident.id,
        "title": incident.title,
        "uri": uri,
        "line": line,
        "character": line_span(lines, line, encoding)[0],
        "severity": incident.level,
        "status": incident.status,
        "environments": list(incident.environments),
        "placement": placement.kind.value,
        "eventCount": incident.event_count,
        "lastSeen": incident.last_seen.isoformat(),
    }
    fix = awaiting(incident)
    if fix is not None:
        item["fix"] = {"commit": fix[0], "state": "awaiting_deploy", "ancestryKnown": fix[1]}
    if placement.line is None:
        # Not placed (docs/placement.md): listed where its line was removed.
        item["note"] = (
            f"not placed: the line was removed since {commit[:7]}"
            if commit
            else "not placed: the line is no longer in this file"
        )
    return item


def setup(feature: WorkspaceIncidents) -> WorkspaceIncidents:
    """Register the handlers of `feature` on its server."""
    server = feature.server
    server.handle_command(LIST, feature.list_incidents)
    server.handle_command(SHOW, feature.show_incident)
    server.handle(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        feature.document_diagnostic,
        types.DiagnosticOptions(
            inter_file_dependencies=False, workspace_diagnostics=True, identifier="railguard"
        ),
    )
    server.handle(types.WORKSPACE_DIAGNOSTIC, feature.workspace_diagnostic)
    return feature
