"""External agents: `railguard agent` as a real process checks its project's monitors, reports
liveness, goes offline (its monitors unknown) when stopped; keys are refused when revoked."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from railguard.server.app import create_app
from railguard.server.settings import Settings
from support import Account, Api, free_port
from uptimekit import TcpTarget, eventually

Client = TestClient[Any, Any]


@pytest.fixture
async def quick_client(settings: Settings) -> AsyncIterator[Client]:
    """The app with agents offline after 2 s and housekeeping every half second."""
    quick = settings.model_copy(
        update={"uptime_agent_offline_after": 2.0, "uptime_maintenance_every": 0.5}
    )
    server = TestServer(create_app(quick), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        yield client


def _agent(url: str, key: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "RAILGUARD_LOG_LEVEL": "WARNING", "RAILGUARD_AGENT_KEY": key}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "railguard.server", "agent", "--server", url],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip


async def _json(resp: Any, status: int = 200) -> Any:
    assert resp.status == status, await resp.text()
    return await resp.json()


async def _setup(client: Client, api: Api) -> tuple[Account, int, dict[str, Any]]:
    owner = await api.account()
    pid = (await api.project(owner))["id"]
    agent = await _json(
        await client.post(
            f"/api/v1/projects/{pid}/uptime-agents", json={"name": "eu-west"}, headers=owner.headers
        ),
        201,
    )
    assert agent["key"].startswith("rga_") and agent["online"] is False
    return owner, pid, agent


async def test_an_agent_checks_its_monitors_then_goes_offline(
    quick_client: Client, database_url: str, tmp_path: Path
) -> None:
    client, api = quick_client, Api(quick_client)
    owner, pid, agent = await _setup(client, api)
    listener = await TcpTarget().start()
    monitor = await _json(
        await client.post(
            f"/api/v1/projects/{pid}/monitors",
            headers=owner.headers,
            json={
                "name": "db",
                "interval_seconds": 1,
                "agent_id": agent["id"],
                "check": {"kind": "tcp", "host": "127.0.0.1", "port": listener.port},
            },
        ),
        201,
    )
    url = str(client.make_url("")).rstrip("/")
    proc = _agent(url, agent["key"], tmp_path / "agent.log")
    try:

        async def state() -> str:
            resp = await client.get(f"/api/v1/monitors/{monitor['id']}", headers=owner.headers)
            return str((await resp.json())["state"])

        await eventually(lambda: _equals(state, "up"))
        agents = await _json(await client.get(f"/api/v1/projects/{pid}/uptime-agents",
                                              headers=owner.headers))  # fmt: skip
        assert agents[0]["online"] is True and agents[0]["hostname"]
        assert "key" not in agents[0]
        conn = await asyncpg.connect(database_url)
        try:
            sources = await conn.fetch("SELECT DISTINCT agent_id FROM heartbeats")
            assert [r["agent_id"] for r in sources] == [agent["id"]]  # never the built-in agent
        finally:
            await conn.close()
    finally:
        proc.terminate()
        assert await asyncio.to_thread(proc.wait, 15) == 0
    await eventually(lambda: _equals(state, "unknown"))
    agents = await _json(await client.get(f"/api/v1/projects/{pid}/uptime-agents",
                                          headers=owner.headers))  # fmt: skip
    assert agents[0]["online"] is False
    await listener.stop()


async def _equals(probe: Any, expected: str) -> bool:
    return bool(await probe() == expected)


async def test_a_revoked_key_stops_the_agent_with_one_line(
    client: Client, api: Api, tmp_path: Path
) -> None:
    owner, pid, agent = await _setup(client, api)
    await _json(await client.delete(f"/api/v1/projects/{pid}/uptime-agents/{agent['id']}",
                                    headers=owner.headers))  # fmt: skip
    log = tmp_path / "agent.log"
    proc = _agent(str(client.make_url("")).rstrip("/"), agent["key"], log)
    assert await asyncio.to_thread(proc.wait, 30) == 1
    lines = log.read_text().strip().splitlines()
    assert lines[-1].startswith("railguard: the server refused the agent key"), lines
    assert "Traceback" not in log.read_text()


async def test_agent_api_refuses_other_keys_and_other_monitors(client: Client, api: Api) -> None:
    owner, pid, agent = await _setup(client, api)
    other_owner, other_pid, _ = await _setup(client, api)
    theirs = await _json(
        await client.post(
            f"/api/v1/projects/{other_pid}/monitors",
            headers=other_owner.headers,
            json={"name": "x", "check": {"kind": "tcp", "host": "127.0.0.1", "port": 9}},
        ),
        201,
    )
    headers = {"Authorization": f"Bearer {agent['key']}"}
    sent = await _json(await client.post("/api/v1/agent/results", headers=headers, json={
        "results": [{"monitor_id": theirs["id"], "checked_at": "2026-01-01T00:00:00Z",
                     "ok": True, "latency_ms": 1}]}))  # fmt: skip
    assert sent == {"accepted": 0}
    resp = await client.post("/api/v1/agent/claim", json={},
                             headers={"Authorization": "Bearer rga_nope"})  # fmt: skip
    assert resp.status == 401
    resp = await client.post(
        "/api/v1/agent/results",
        headers=headers,
        json={"results": [{"monitor_id": 1, "checked_at": "2026-01-01T00:00:00", "ok": True}]},
    )
    assert resp.status == 422  # a time without a zone
    # An agent that has not said it can ping gets no ping monitor.
    resp = await client.post(f"/api/v1/projects/{pid}/monitors", headers=owner.headers,
                             json={"name": "p", "agent_id": agent["id"],
                                   "check": {"kind": "ping", "host": "127.0.0.1"}})  # fmt: skip
    assert resp.status == 422 and "ICMP" in await resp.text()
    # Another project's agent cannot be named.
    resp = await client.post(f"/api/v1/projects/{other_pid}/monitors", headers=other_owner.headers,
                             json={"name": "p", "agent_id": agent["id"],
                                   "check": {"kind": "tcp", "host": "h", "port": 1}})  # fmt: skip
    assert resp.status == 422
