"""`notifyNewIncidents`: a `window/showMessage` when the live feed brings a new incident of an
open workspace's project; nothing of the kind when the option is off (the default)."""

from __future__ import annotations

import asyncio

from lspkit import CRASH, Repo, initialize, open_file, options, run_command, wait_diagnostics
from lsprotocol import types
from pytest_lsp import LanguageClient

from workspace import Tenant


def _new_incident_messages(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.message.startswith("Railguard: new incident")]


async def _report_and_wait(client: LanguageClient, tenant: Tenant, repo: Repo, uri: str) -> None:
    await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    await wait_diagnostics(client, uri, lambda d: len(d) == 1)


async def test_a_new_incident_is_shown_when_asked(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    await initialize(client, repo.root, options(tenant, notifyNewIncidents=True))
    uri = open_file(client, repo.calc)
    await _wait_connected(client)
    await _report_and_wait(client, tenant, repo, uri)
    for _ in range(100):
        if _new_incident_messages(client):
            break
        await asyncio.sleep(0.05)
    (text,) = _new_incident_messages(client)
    assert "ZeroDivisionError" in text and "/incidents/" in text
    info = [m for m in client.messages if m.message == text][0]
    assert info.type == types.MessageType.Info


async def test_no_message_by_default(client: LanguageClient, tenant: Tenant, repo: Repo) -> None:
    await initialize(client, repo.root, options(tenant))
    uri = open_file(client, repo.calc)
    await _wait_connected(client)
    await _report_and_wait(client, tenant, repo, uri)
    await asyncio.sleep(0.3)
    assert _new_incident_messages(client) == []


async def _wait_connected(client: LanguageClient) -> None:
    async def loop() -> None:
        while True:
            status = await run_command(client, "railguard.status")
            if status["connected"] and status["projects"]:
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), 30)
