"""End to end over the protocol (pytest-lsp, real git repository) — against the STAND-IN backend.

DEVELOPMENT AID: these run the real `python -m railguard.lsp` subprocess, but the HTTP side is
`standin_backend.py`, not the real backend. They are to be ported to the real-backend fixture
(real aiohttp app on real PostgreSQL) once it exists; see the final report of issue 4.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Callable
from typing import Any

import standin_backend as standin
from lsprotocol import types
from pytest_lsp import LanguageClient

from conftest import Repo, initialize

TIMEOUT = 5.0


async def wait_diagnostics(
    client: LanguageClient, uri: str, ok: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    """Wait (bounded) until the published diagnostics of `uri` satisfy `ok`."""

    async def loop() -> list[types.Diagnostic]:
        while True:
            current = client.diagnostics.get(uri)
            if current is not None and ok(list(current)):
                return list(current)
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(loop(), TIMEOUT)


def as_command(action: types.CodeAction | types.Command) -> types.Command:
    """The command of a code action. pygls's *client* converter structures the server's
    `CodeAction | Command` union as `Command`, stringifying the nested command dict (the JSON
    on the wire is a proper CodeAction); undo that here."""
    if isinstance(action, types.CodeAction):
        assert action.command is not None
        return action.command
    if action.command.startswith("{"):
        nested = ast.literal_eval(action.command)
        return types.Command(
            title=nested["title"], command=nested["command"], arguments=nested.get("arguments")
        )
    return action


def options(backend: standin.StandinState, **extra: Any) -> dict[str, Any]:
    return {"serverUrl": backend.url, "token": standin.TOKEN, **extra}


async def open_calc(client: LanguageClient, repo: Repo) -> str:
    uri = repo.calc.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=repo.calc.read_text()
            )
        )
    )
    return uri


def edit(
    client: LanguageClient,
    uri: str,
    version: int,
    line: int,
    text: str,
    end_line: int | None = None,
) -> None:
    end = end_line if end_line is not None else line
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(line, 0), types.Position(end, 0)), text=text
                )
            ],
        )
    )


async def test_incident_follows_history_and_unsaved_edits_then_resolves(
    client: LanguageClient, backend: standin.StandinState, repo: Repo
) -> None:
    backend.add(
        standin.make_incident(
            7, path="app/calc.py", line=10, commit=repo.commit_a, context_line="    return a / b"
        )
    )
    await initialize(client, repo.root, options(backend))
    uri = await open_calc(client, repo)

    # Commit A line 10 → HEAD line 15 (five lines inserted above since).
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 14
    assert diag.source == "railguard" and diag.code == 7
    assert diag.severity == types.DiagnosticSeverity.Error
    assert diag.data == {"incidentId": 7, "placement": "exact"}
    assert "ZeroDivisionError: division by zero" in diag.message and "3 events" in diag.message

    # Unsaved edit: two lines inserted at the top → line 17.
    edit(client, uri, 2, 0, "# one\n# two\n")
    (diag,) = await wait_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 16
    )
    assert diag.data["placement"] == "exact"

    # Edit the crashing line itself → still shown, downgraded, and says so.
    edit(client, uri, 3, 16, "    return a / (b or 1)\n", end_line=17)
    (diag,) = await wait_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].data["placement"] == "changed"
    )
    assert diag.range.start.line == 16
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert f"changed since the deployed commit {repo.commit_a[:7]}" in diag.message

    # Hover shows the trace.
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(16, 6))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "divide" in hover.contents.value and "production" in hover.contents.value

    # Quick fix: resolve → gone from the editor before the command returns.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions is not None
    titles = [a.title for a in actions]
    assert titles[0] == "Resolve incident #7" and len(titles) == 5
    command = as_command(actions[0])
    assert command.command == "railguard.resolveIncident" and command.arguments == [7]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert result["status"] == "resolved"
    assert backend.actions == [(7, "resolve", repo.head)]
    assert list(client.diagnostics[uri]) == []


async def test_live_feed_shows_a_new_incident_without_reopening(
    client: LanguageClient, backend: standin.StandinState, repo: Repo
) -> None:
    await initialize(client, repo.root, options(backend))
    uri = await open_calc(client, repo)
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="railguard.status")
    )
    assert status["user"] in (None, "dev@example.com")
    await asyncio.sleep(0)  # let the server connect; diagnostics start empty
    await wait_diagnostics(client, uri, lambda d: d == [])
    backend.add(
        standin.make_incident(8, path="app/calc.py", line=10, commit=repo.commit_a, level="warning")
    )
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 14
    assert diag.severity == types.DiagnosticSeverity.Warning


async def test_commands_copy_and_open(
    client: LanguageClient, backend: standin.StandinState, repo: Repo
) -> None:
    backend.add(
        standin.make_incident(
            9, path="app/calc.py", line=10, commit=repo.commit_a, context_line="    return a / b"
        )
    )
    await initialize(client, repo.root, options(backend))
    uri = await open_calc(client, repo)
    await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    copied = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="railguard.copyStackTrace", arguments=[9])
    )
    assert copied["text"].startswith("ZeroDivisionError: division by zero")
    opened = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="railguard.openIncident", arguments=[9])
    )
    assert opened == {"url": "http://railguard.example/incidents/9"}
    window = client.capabilities.window if client.capabilities else None
    if window and window.show_document and window.show_document.support:
        assert client.shown_documents[-1].uri == opened["url"]
    else:
        assert any(opened["url"] in m.message for m in client.messages)
    listed = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="railguard.listIncidents")
    )
    assert [(i["incidentId"], i["line"], i["placement"]) for i in listed] == [(9, 14, "exact")]


async def test_missing_configuration_is_told_once_and_server_stays_up(
    client: LanguageClient, repo: Repo
) -> None:
    await initialize(client, repo.root, {"showRelatedFrames": "yes"})
    uri = await open_calc(client, repo)
    await wait_diagnostics(client, uri, lambda d: d == [])
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="railguard.status")
    )
    assert status["connected"] is False and "no server configured" in status["problem"]
    texts = [m.message for m in client.messages]
    assert sum("no server configured" in t for t in texts) == 1
    assert any("showRelatedFrames" in t for t in texts)
