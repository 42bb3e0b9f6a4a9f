"""A stand-in for `railguard-lsp` that speaks the editor-client contract of docs/ARCHITECTURE.md.

It lets the Neovim and VS Code end-to-end drivers run before (or without) the real server and
backend: every line of an open document that contains the marker text (`RAILGUARD_FAKE_MARKER`,
default ``boom(``) gets incident 7, the resolve/ignore commands drop it and republish, and the
status notification is sent after `initialized`. It covers publishDiagnostics, code actions,
workspace/executeCommand and one custom notification. Never used in production.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from lsprotocol import types
from pygls.cli import start_server
from pygls.lsp.server import LanguageServer

MARKER = os.environ.get("RAILGUARD_FAKE_MARKER", "boom(")
INCIDENT = 7


class FakeServer(LanguageServer):
    """Holds the init options and the resolved state."""

    def __init__(self) -> None:
        super().__init__("railguard-fake", "0.0.0")
        self.init_options: dict[str, Any] = {}
        self.resolved = False

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """One diagnostic per marker line unless the incident was resolved."""
        if self.resolved:
            return []
        doc = self.workspace.get_text_document(uri)
        out = []
        for n, line in enumerate(doc.lines):
            col = line.find(MARKER)
            if col >= 0:
                out.append(
                    types.Diagnostic(
                        range=types.Range(
                            types.Position(n, col), types.Position(n, len(line.rstrip("\n")))
                        ),
                        message="ZeroDivisionError: division by zero",
                        severity=types.DiagnosticSeverity.Error,
                        source="railguard",
                        code=INCIDENT,
                        code_description=types.CodeDescription(href=self.url()),
                        data={"incidentId": INCIDENT, "placement": "exact"},
                    )
                )
        return out

    def url(self) -> str:
        base = self.init_options.get("serverUrl") or "http://127.0.0.1:8000"
        return f"{base}/incidents/{INCIDENT}"

    def publish(self, uri: str) -> None:
        doc = self.workspace.get_text_document(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=doc.version, diagnostics=self.diagnostics(uri)
            )
        )

    def status(self) -> dict[str, Any]:
        folders = list(self.workspace.folders.values())
        count = 0 if self.resolved else 1
        return {
            "connected": bool(self.init_options.get("serverUrl")),
            "serverUrl": self.init_options.get("serverUrl"),
            "user": "fake@example.com",
            "problem": None if self.init_options.get("serverUrl") else "no serverUrl",
            "projects": [
                {
                    "folder": f.uri,
                    "repository": "example.com/fake/repo",
                    "projectId": 1,
                    "openIncidents": count,
                }
                for f in folders
            ],
        }


server = FakeServer()


@server.feature(types.INITIALIZE)
def initialize(ls: FakeServer, params: types.InitializeParams) -> None:
    """Keep the initialization options for status and URLs."""
    ls.init_options = dict(params.initialization_options or {})


@server.feature(types.INITIALIZED)
def initialized(ls: FakeServer, params: types.InitializedParams) -> None:
    """Announce the connection state like the real server."""
    ls.protocol.notify("railguard/status", ls.status())


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: FakeServer, params: types.DidOpenTextDocumentParams) -> None:
    """Publish on open."""
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: FakeServer, params: types.DidChangeTextDocumentParams) -> None:
    """Re-publish on change, so moved lines move their diagnostic."""
    ls.publish(params.text_document.uri)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_action(ls: FakeServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Resolve and open actions for Railguard diagnostics in the context."""
    actions = []
    for d in params.context.diagnostics:
        if d.source == "railguard":
            actions.append(
                types.CodeAction(
                    title=f"Resolve incident #{INCIDENT}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[d],
                    command=types.Command(
                        title="Resolve", command="railguard.resolveIncident", arguments=[INCIDENT]
                    ),
                )
            )
    return actions


def _resolve(ls: FakeServer, incident_id: int) -> dict[str, Any]:
    ls.resolved = True
    for uri in list(ls.workspace.text_documents):
        ls.publish(uri)
    ls.protocol.notify("railguard/status", ls.status())
    return {"id": incident_id, "status": "resolved"}


@server.command("railguard.resolveIncident")
def resolve(ls: FakeServer, incident_id: int) -> dict[str, Any]:
    """Drop the incident and republish before answering."""
    return _resolve(ls, incident_id)


@server.command("railguard.ignoreIncident")
def ignore(ls: FakeServer, incident_id: int) -> dict[str, Any]:
    """Same as resolve for the fake."""
    return _resolve(ls, incident_id)


@server.command("railguard.openIncident")
def open_incident(ls: FakeServer, incident_id: int) -> dict[str, Any]:
    """Answer the URL only (no showDocument, so tests open no browser)."""
    return {"url": ls.url()}


@server.command("railguard.refresh")
def refresh(ls: FakeServer) -> dict[str, Any]:
    """Count of open incidents."""
    return {"incidents": 0 if ls.resolved else 1}


@server.command("railguard.status")
def status(ls: FakeServer) -> dict[str, Any]:
    """Connection state and projects."""
    return ls.status()


@server.command("railguard.listIncidents")
def list_incidents(ls: FakeServer) -> list[dict[str, Any]]:
    """Every marker line of every open document."""
    out = []
    for uri in list(ls.workspace.text_documents):
        for d in ls.diagnostics(uri):
            out.append(
                {
                    "incidentId": INCIDENT,
                    "title": d.message,
                    "uri": uri,
                    "line": d.range.start.line,
                    "character": d.range.start.character,
                    "severity": "error",
                    "placement": "exact",
                    "eventCount": 3,
                    "lastSeen": "2025-01-01T00:00:00Z",
                }
            )
    return out


if __name__ == "__main__":
    if "--version" in sys.argv:
        sys.stdout.write("railguard-lsp 0.0.0 (fake)\n")
        raise SystemExit(0)
    start_server(server, [a for a in sys.argv[1:] if a != "-v"])
