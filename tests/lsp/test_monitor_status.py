"""The status counts the workspace project's uptime monitors that are down: a monitor checked
by the running backend's built-in agent goes down and comes back, and `railguard/status` (and
the `railguard.status` command) follow it over the protocol."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from lspkit import Repo, initialize, options, run_command
from pytest_lsp import LanguageClient

from uptimekit import TcpTarget
from workspace import Tenant


async def _create_monitor(tenant: Tenant, port: int) -> dict[str, Any]:
    body = {"name": "db", "check": {"kind": "tcp", "host": "127.0.0.1", "port": port},
            "interval_seconds": 1, "timeout_seconds": 1, "retries": 0}  # fmt: skip
    async with aiohttp.ClientSession() as session:
        resp = await session.post(
            f"{tenant.base_url}/api/v1/projects/{tenant.project['id']}/monitors",
            json=body, headers={"Authorization": f"Bearer {tenant.token}"},
        )  # fmt: skip
        assert resp.status == 201, await resp.text()
        out: dict[str, Any] = await resp.json()
        return out


async def _until(
    notified: list[Any], want: Callable[[Any], bool], what: str, *, start: int = 0
) -> Any:
    """The first status body from `notified[start:]` that `want`s, waiting for it."""

    async def loop() -> Any:
        while True:
            for body in notified[start:]:
                if want(body):
                    return body
            await asyncio.sleep(0.05)

    try:
        return await asyncio.wait_for(loop(), 60.0)
    except TimeoutError:
        raise AssertionError(f"no railguard/status with {what}; last: {notified[-1:]}") from None


def _down(body: Any) -> Any:
    projects = body.get("projects") or [{}]
    return projects[0].get("monitorsDown", "absent")


async def test_monitors_down_follow_the_monitor(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> None:
    notified: list[Any] = []

    @client.feature("railguard/status")
    def on_status(params: Any) -> None:
        notified.append(_plain(params))

    target = TcpTarget()  # not listening yet: the monitor fails
    await initialize(client, repo.root, options(tenant, monitorPollSeconds=1))
    await _until(notified, lambda b: b.get("connected") and _down(b) == 0, "0 monitors down")

    await _create_monitor(tenant, target.port)
    body = await _until(notified, lambda b: _down(b) == 1, "1 monitor down")
    seen_down = notified.index(body) + 1
    assert body["projects"][0]["projectId"] == tenant.project["id"]
    status = await run_command(client, "railguard.status")
    assert status["projects"][0]["monitorsDown"] == 1

    await target.start()
    try:
        await _until(notified, lambda b: _down(b) == 0, "recovery", start=seen_down)
    finally:
        await target.stop()
    status = await run_command(client, "railguard.status")
    assert status["projects"][0]["monitorsDown"] == 0


def _plain(params: Any) -> Any:
    """pygls hands custom notifications over as attribute objects; make them plain again."""
    if isinstance(params, dict):
        return params
    if hasattr(params, "_asdict"):
        return {k: _plain(v) for k, v in params._asdict().items()}
    if isinstance(params, list | tuple):
        return [_plain(p) for p in params]
    if hasattr(params, "__dict__"):
        return {k: _plain(v) for k, v in vars(params).items()}
    return params
