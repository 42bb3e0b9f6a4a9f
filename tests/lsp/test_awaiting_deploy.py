"""Fixed here, not yet deployed (docs/releases.md), over the protocol against a running backend
and a real repository: resolving from the editor records HEAD and its ancestors; the incident
stays on its line as a hint "fixed in <HEAD>, awaiting deploy"; an old build's event does not
reopen it, an unknown build's says "ancestry unknown"; a deploy containing the fix removes it,
live; and an event from that deploy brings it back as a regression."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
from lspkit import CRASH, Repo, git, initialize, open_file, options, run_command, wait_diagnostics
from lsprotocol import types
from pytest_lsp import LanguageClient

from workspace import Tenant, call


async def _event(tenant: Tenant, commit: str | None) -> None:
    frame = {"filename": CRASH["path"], "function": "divide", "lineno": 15, "in_app": True,
             "context_line": CRASH["context_line"]}  # fmt: skip
    event: dict[str, Any] = {"event_id": uuid.uuid4().hex, "error_type": "ZeroDivisionError",
                             "message": "division by zero", "frames": [frame]}  # fmt: skip
    if commit:
        event["commit_sha"] = commit
    async with aiohttp.ClientSession() as session:
        await call(session, "POST", f"{tenant.base_url}/api/v1/events", json=event,
                   headers={"X-Railguard-Key": tenant.ingest_key}, expect=201)  # fmt: skip


def _fix(diag: types.Diagnostic) -> Any:
    return diag.data.get("fix") if isinstance(diag.data, dict) else None


async def test_fixed_here_awaiting_deploy(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    # Deployed: B (the repository's HEAD so far). The fix is a local commit on top of it.
    deployed = repo.head
    await tenant.report(commit=deployed, **{**CRASH, "line": 15})  # type: ignore[arg-type]
    (repo.root / "NOTES.md").write_text("fix\n")
    git(repo.root, "add", "NOTES.md")
    git(repo.root, "commit", "-q", "-m", "fix")
    fix = git(repo.root, "rev-parse", "HEAD")

    await initialize(client, repo.root, options(tenant))
    uri = open_file(client, repo.calc)
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.severity == types.DiagnosticSeverity.Error and _fix(diag) is None
    iid = diag.code

    resolved = await run_command(client, "railguard.resolveIncident", [iid])
    assert resolved["resolved_commit"] == fix
    assert resolved["fix"]["state"] == "awaiting_deploy"
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1 and _fix(d[0]))
    assert diag.range.start.line == 14
    assert diag.severity == types.DiagnosticSeverity.Hint
    assert _fix(diag) == "awaiting_deploy"
    assert f"fixed in {fix[:7]}, awaiting deploy" in diag.message
    assert "ancestry unknown" not in diag.message
    status = await run_command(client, "railguard.status")
    assert status["projects"][0]["openIncidents"] == 0

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(14, 6))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert f"Fixed in `{fix[:7]}`, awaiting deploy" in hover.contents.value

    # An older build still serving traffic: commit A is an ancestor the editor sent with the
    # resolve, so the backend knows it does not contain the fix.
    await _event(tenant, repo.commit_a)
    async with aiohttp.ClientSession() as session:
        now = await call(session, "GET", f"{tenant.base_url}/api/v1/incidents/{iid}",
                         token=tenant.token)  # fmt: skip
    assert now["status"] == "resolved" and now["fix"]["ancestry_known"] is True
    # A build nobody knows: still not a regression, but its ancestry is unknown.
    await _event(tenant, "d" * 40)
    (diag,) = await wait_diagnostics(
        client, uri, lambda d: len(d) == 1 and "ancestry unknown" in d[0].message
    )
    assert diag.severity == types.DiagnosticSeverity.Hint

    # The deploy that contains the fix: the hint goes away, live.
    async with aiohttp.ClientSession() as session:
        release = await call(
            session, "POST", f"{tenant.base_url}/api/v1/projects/{tenant.project['id']}/releases",
            token=tenant.token, json={"commit": fix, "previous": deployed, "commits": [fix]},
        )  # fmt: skip
    assert release["fixes_deployed"] == [iid]
    await wait_diagnostics(client, uri, lambda d: d == [])

    # It fails again in that deploy: a regression, an error again.
    await _event(tenant, fix)
    (diag,) = await wait_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].severity == types.DiagnosticSeverity.Error
    )
    assert _fix(diag) is None and "awaiting deploy" not in diag.message
