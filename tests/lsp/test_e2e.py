"""The language server end to end over the protocol (pytest-lsp), against a running backend on
real PostgreSQL and a real git repository whose history moved the incident's line.

Parametrised over VS Code (utf-16, showDocument) and Neovim 0.11 (utf-8) client capabilities.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from lspkit import (
    CALC_AT_A,
    CRASH,
    REPOSITORY,
    TIMEOUT,
    Repo,
    git,
    initialize,
    open_crashed,
    open_file,
    options,
    placement_of,
    run_command,
    wait_diagnostics,
)
from lsprotocol import types
from pytest_lsp import LanguageClient

from workspace import Tenant, call


def as_command(action: types.CodeAction | types.Command) -> types.Command:
    """The command of a code action. pytest-lsp's client structures the server's
    `CodeAction | Command` union as `Command`, stringifying the nested command (the JSON on
    the wire is a proper CodeAction); undo that here."""
    if isinstance(action, types.CodeAction):
        assert action.command is not None
        return action.command
    if action.command.startswith("{"):
        nested = ast.literal_eval(action.command)
        return types.Command(
            title=nested["title"], command=nested["command"], arguments=nested.get("arguments")
        )
    return action


def edit(client: LanguageClient, uri: str, version: int, line: int, text: str, end: int) -> None:
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


async def wait_connected(client: LanguageClient) -> dict[str, Any]:
    """Poll `railguard.status` (bounded) until the server is connected with a project."""

    async def loop() -> dict[str, Any]:
        while True:
            status: dict[str, Any] = await run_command(client, "railguard.status")
            if status["connected"] and status["projects"]:
                return status
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(loop(), TIMEOUT)


async def incident_detail(tenant: Tenant, incident_id: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        detail: dict[str, Any] = await call(
            session, "GET", f"{tenant.base_url}/api/v1/incidents/{incident_id}", token=tenant.token
        )
        return detail


async def test_incident_follows_history_and_unsaved_edits_then_resolves(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    incident = await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    await initialize(client, repo.root, options(tenant))
    uri = open_file(client, repo.calc)

    # Commit A line 10 → HEAD line 15 (five lines inserted above since).
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 14
    assert diag.source == "railguard" and diag.code == incident["id"]
    assert diag.severity == types.DiagnosticSeverity.Error
    assert diag.data == {"incidentId": incident["id"], "placement": "exact"}
    assert "ZeroDivisionError: division by zero" in diag.message and "1 event" in diag.message
    assert diag.code_description is not None
    assert diag.code_description.href == incident["url"]

    # Unsaved edit: two lines inserted at the top → line 17.
    edit(client, uri, 2, 0, "# one\n# two\n", 0)
    (diag,) = await wait_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 16
    )
    assert placement_of(diag) == "exact"

    # Edit the crashing line itself → still shown, downgraded, and says so.
    edit(client, uri, 3, 16, "    return a / (b or 1)\n", 17)
    (diag,) = await wait_diagnostics(
        client, uri, lambda d: len(d) == 1 and placement_of(d[0]) == "changed"
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

    # Quick fix: resolve → recorded at HEAD on the backend, gone before the command returns.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag]),
        )
    )
    assert actions is not None
    titles = [a.title for a in actions]
    assert titles[0] == f"Resolve incident #{incident['id']}" and len(titles) == 5
    command = as_command(actions[0])
    assert command.command == "railguard.resolveIncident"
    assert command.arguments == [incident["id"]]
    result = await run_command(client, command.command, command.arguments)
    assert result["status"] == "resolved"
    # Fixed at HEAD, which no deploy contains yet: a hint on the same line (docs/releases.md).
    (diag,) = client.diagnostics[uri]
    assert diag.severity == types.DiagnosticSeverity.Hint and diag.range.start.line == 16
    assert f"fixed in {repo.head[:7]}, awaiting deploy" in diag.message
    stored = await incident_detail(tenant, incident["id"])
    assert stored["status"] == "resolved" and stored["resolved_commit"] == repo.head


async def test_live_feed_shows_a_new_incident_without_reopening(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    await initialize(client, repo.root, options(tenant))
    uri = open_file(client, repo.calc)
    status = await wait_connected(client)
    assert status["projects"][0]["repository"] == REPOSITORY
    assert status["projects"][0]["projectId"] == tenant.project["id"]

    await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 14


async def test_related_frames_in_the_workspace_are_related_information(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    caller = {"filename": "app/calc.py", "function": "helper", "lineno": 5, "in_app": True}
    elsewhere = {"filename": "lib/vendor.py", "function": "x", "lineno": 1, "in_app": True}
    await tenant.report(commit=repo.commit_a, extra_frames=[elsewhere, caller], **CRASH)  # type: ignore[arg-type]
    await initialize(client, repo.root, options(tenant))
    uri = open_file(client, repo.calc)
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    related = diag.related_information or []
    assert [(r.location.uri, r.location.range.start.line) for r in related] == [(uri, 9)]
    assert "helper" in related[0].message


async def test_head_moving_to_the_deployed_commit_re_places_without_an_edit(
    client: LanguageClient, tenant: Tenant, tmp_path: Path
) -> None:
    """The deploy's commit is not in the clone (someone else pushed it): the incident is placed
    by its context and marked so. `git pull` brings the commit; HEAD moves, nothing in the
    buffer changes, and the server re-places it as exact."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    (upstream / "app").mkdir()
    (upstream / "app" / "calc.py").write_text(CALC_AT_A)
    git(upstream, "add", ".")
    git(upstream, "commit", "-q", "-m", "base")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "remote", "set-url", "origin", "git@github.com:acme/shop.git")
    git(clone, "remote", "add", "up", str(upstream))
    (upstream / "README.md").write_text("deployed\n")
    git(upstream, "add", ".")
    git(upstream, "commit", "-q", "-m", "deploy")
    deployed = git(upstream, "rev-parse", "HEAD")

    await tenant.report(commit=deployed, **CRASH)  # type: ignore[arg-type]
    await initialize(client, clone.resolve(), options(tenant))
    uri = open_file(client, clone.resolve() / "app" / "calc.py")
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 9 and placement_of(diag) == "relocated"

    git(clone, "pull", "-q", "up", "main")
    (diag,) = await wait_diagnostics(
        client, uri, lambda d: len(d) == 1 and placement_of(d[0]) == "exact"
    )
    assert diag.range.start.line == 9


async def test_commands_copy_open_and_list(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    incident, uri, _ = await open_crashed(client, tenant, repo)
    iid = incident["id"]
    copied = await run_command(client, "railguard.copyStackTrace", [iid])
    assert copied["text"].startswith("ZeroDivisionError: division by zero")
    opened = await run_command(client, "railguard.openIncident", [iid])
    assert opened == {"url": incident["url"]}
    window = client.capabilities.window if client.capabilities else None
    if window and window.show_document and window.show_document.support:
        assert client.shown_documents[-1].uri == opened["url"]
    else:
        assert any(opened["url"] in m.message for m in client.messages)
    listed = await run_command(client, "railguard.listIncidents")
    assert [(i["incidentId"], i["line"], i["placement"]) for i in listed] == [(iid, 14, "exact")]


async def test_missing_configuration_is_told_once_and_server_stays_up(
    client: LanguageClient, repo: Repo
) -> None:
    await initialize(client, repo.root, {"showRelatedFrames": "yes"})
    uri = open_file(client, repo.calc)
    await wait_diagnostics(client, uri, lambda d: d == [])
    status = await run_command(client, "railguard.status")
    assert status["connected"] is False and "no server configured" in status["problem"]
    texts = [m.message for m in client.messages]
    assert sum("no server configured" in t for t in texts) == 1
    assert any("showRelatedFrames" in t for t in texts)


async def test_a_wrong_token_is_told_clearly(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    await initialize(client, repo.root, {"serverUrl": tenant.base_url, "token": "rgp_" + "x" * 46})
    uri = open_file(client, repo.calc)
    await wait_diagnostics(client, uri, lambda d: d == [])

    async def told() -> None:
        while not any("token" in m.message.lower() for m in client.messages):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(told(), TIMEOUT)
