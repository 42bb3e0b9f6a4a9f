"""Every incident of the workspace, not only those of open files, over the protocol against a
running backend and a real repository: `railguard.listIncidents` places an incident of a file
that was never opened (on disk, through history) with its real column, its status and
environments, and lists a fix awaiting a deploy as such."""

from __future__ import annotations

import asyncio

from lspkit import (
    CRASH,
    TIMEOUT,
    Repo,
    initialize,
    open_file,
    options,
    run_command,
    wait_diagnostics,
)
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from workspace import Tenant


async def test_list_covers_files_never_opened(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    incident = await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    helper = await tenant.report(
        commit=repo.commit_a, path="app/calc.py", line=5, context_line="    return math.sqrt(x)",
        error_type="ValueError", message="math domain error", function="helper",
    )  # fmt: skip
    outside = await tenant.report(
        commit=repo.commit_a, path="vendor/elsewhere.py", line=3, context_line="x = 1",
        error_type="OSError", message="gone", function="f",
    )  # fmt: skip
    await initialize(client, repo.root, options(tenant))
    status = await run_command(client, "railguard.status")
    while not (status["connected"] and status["projects"][0]["openIncidents"] == 3):
        status = await run_command(client, "railguard.status")

    listed = await run_command(client, "railguard.listIncidents")
    by_id = {i["incidentId"]: i for i in listed}
    assert outside["id"] not in by_id, "its file is not in the workspace"
    calc = by_id[incident["id"]]
    assert calc["uri"] == repo.calc.as_uri()
    assert (calc["line"], calc["character"], calc["placement"]) == (14, 4, "exact")
    assert calc["status"] == "open" and calc["environments"] == ["production"]
    assert (by_id[helper["id"]]["line"], by_id[helper["id"]]["character"]) == (9, 4)

    resolved = await run_command(client, "railguard.resolveIncident", [incident["id"]])
    assert resolved["fix"]["state"] == "awaiting_deploy"
    listed = await run_command(client, "railguard.listIncidents")
    calc = next(i for i in listed if i["incidentId"] == incident["id"])
    assert calc["status"] == "resolved"
    assert calc["fix"] == {"commit": repo.head, "state": "awaiting_deploy", "ancestryKnown": True}


async def test_workspace_diagnostic_pull(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    incident = await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    uri = repo.root.as_uri()
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(getattr(client, "client_spec", "neovim")),
            root_uri=uri, workspace_folders=[types.WorkspaceFolder(uri=uri, name="shop")],
            initialization_options=options(tenant),
        )
    )  # fmt: skip
    provider = result.capabilities.diagnostic_provider
    assert isinstance(provider, types.DiagnosticOptions) and provider.workspace_diagnostics

    async def pulled() -> list[types.WorkspaceFullDocumentDiagnosticReport]:
        report = await client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
        return [
            i for i in report.items if isinstance(i, types.WorkspaceFullDocumentDiagnosticReport)
        ]

    async def loop() -> types.WorkspaceFullDocumentDiagnosticReport:
        while True:
            items = [i for i in await pulled() if i.items]
            if items:
                return items[0]
            await asyncio.sleep(0.1)

    found = await asyncio.wait_for(loop(), TIMEOUT)
    assert found.uri == repo.calc.as_uri()
    (diag,) = found.items
    assert diag.code == incident["id"] and diag.range.start.line == 14
    assert diag.range.start.character == 4
    assert diag.severity == types.DiagnosticSeverity.Error

    # Opened: pushed instead, so neither pull report repeats it.
    uri = open_file(client, repo.calc)
    await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert [list(i.items) for i in await pulled() if i.uri == uri] in ([], [[]])
    document = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri))
    )
    assert list(document.items) == []  # type: ignore[union-attr]


async def test_show_incident_opens_its_line(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    incident = await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    await initialize(client, repo.root, options(tenant))
    status = await run_command(client, "railguard.status")
    while not (status["connected"] and status["projects"][0]["openIncidents"] == 1):
        status = await run_command(client, "railguard.status")
    shown = await run_command(client, "railguard.showIncident", [incident["id"]])
    target = {"uri": repo.calc.as_uri(), "line": 14, "character": 4}
    window = client.capabilities.window if client.capabilities else None
    if window and window.show_document and window.show_document.support:
        assert shown == {"shown": True, **target}
        request = client.shown_documents[-1]
        assert request.uri == target["uri"] and request.take_focus is True
        assert request.selection is not None and request.selection.start.line == 14
    else:
        assert shown == {"shown": False, **target}
    missing = await run_command(client, "railguard.showIncident", [999999])
    assert missing == {"shown": False, "reason": "not in this workspace"}
