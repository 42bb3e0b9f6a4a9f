"""An incident whose line was removed, end to end over the protocol: no diagnostic on the code
typed in its place, but still listed by `railguard.listIncidents`, saying why and where
(docs/placement.md, "Incidents that are not placed")."""

from __future__ import annotations

from lspkit import (
    Repo,
    open_crashed,
    placement_of,
    run_command,
    wait_diagnostics,
)
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_e2e import edit

from workspace import Tenant


async def test_a_removed_line_is_listed_not_shown_on_the_code_typed_in_its_place(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    incident, uri, _ = await open_crashed(client, tenant, repo)
    iid = incident["id"]

    # Unsaved: the crashing line replaced by unrelated code (not an edit of it).
    edit(client, uri, 2, 14, "    raise NotImplementedError('later')\n", 15)
    await wait_diagnostics(client, uri, lambda d: d == [])
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(14, 8))
    )
    assert hover is None

    listed = await run_command(client, "railguard.listIncidents")
    assert [(i["incidentId"], i["uri"], i["line"], i["placement"]) for i in listed] == [
        (iid, uri, 14, "deleted")
    ]
    assert listed[0]["note"] == f"not placed: the line was removed since {repo.commit_a[:7]}"

    # Typing an edit of the original line brings the diagnostic back, flagged as changed.
    edit(client, uri, 3, 14, "    return a / (b or 1)\n", 15)
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 14 and placement_of(diag) == "changed"
