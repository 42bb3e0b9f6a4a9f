"""Fault: the backend goes away under a running language server and comes back.

The server keeps the diagnostics it had, reconnects with backoff, and catches up on what changed
while it was away (an incident resolved, a new one reported), without the editor reopening
anything.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from lspkit import Repo, open_crashed, wait_diagnostics
from lsprotocol import types
from pytest_lsp import LanguageClient

from support import ServedBackend
from workspace import Tenant, call

pytestmark = pytest.mark.fault


async def test_backend_restart_keeps_diagnostics_and_catches_up(
    client: LanguageClient, tenant: Tenant, repo: Repo, served_backend: ServedBackend
) -> None:
    first, uri, _ = await open_crashed(client, tenant, repo)

    served_backend.kill()
    publishes: list[types.PublishDiagnosticsParams] = []

    async def record() -> None:
        while True:
            publishes.append(
                await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            )

    recorder = asyncio.create_task(record())
    await asyncio.sleep(1.5)  # long enough for the server to notice and retry at least once
    recorder.cancel()
    assert all(p.diagnostics for p in publishes if p.uri == uri), "kept while the backend is away"
    assert [d.code for d in client.diagnostics[uri]] == [first["id"]]

    # Back on the same address; changes land before the language server has reconnected.
    served_backend.start()
    async with aiohttp.ClientSession() as session:
        await call(
            session, "POST", f"{tenant.base_url}/api/v1/incidents/{first['id']}/resolve",
            token=tenant.token, json={},
        )  # fmt: skip
    second = await tenant.report(
        commit=repo.commit_a, path="app/calc.py", line=5, context_line="    return math.sqrt(x)",
        error_type="ValueError", message="math domain error", function="helper",
    )  # fmt: skip

    (diag,) = await wait_diagnostics(client, uri, lambda d: [x.code for x in d] == [second["id"]])
    assert diag.range.start.line == 9  # line 5 at commit A, five lines inserted above since
