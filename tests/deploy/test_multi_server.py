"""The compose shape without containers: two `railguard serve` processes on one PostgreSQL.

Load is split across both, the live feed of one shows events sent to the other, and one of
them is killed with SIGKILL mid-load: every event either server acknowledged is stored."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import orjson
import pytest

from support import free_port, wait_for_health

pytestmark = pytest.mark.timeout(240)


class Server:
    def __init__(self, database_url: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
        env.update(
            RAILGUARD_DATABASE_URL=database_url,
            RAILGUARD_PUBLIC_URL="http://errors.example.test",  # the proxy in front of both
            RAILGUARD_ARGON2_MEMORY_KIB="1024",
            RAILGUARD_ARGON2_TIME_COST="1",
            RAILGUARD_LOG_LEVEL="WARNING",
        )
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "railguard.server", "serve",
                 "--port", str(self.port), "--workers", "1"],
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    a, b = Server(database_url, tmp_path / "a.log"), Server(database_url, tmp_path / "b.log")
    try:
        for server in (a, b):
            wait_for_health(server.url, server.proc, server.log, timeout=60)
        yield a, b
    finally:
        a.stop()
        b.stop()


async def _project(http: aiohttp.ClientSession, server: Server) -> tuple[dict[str, Any], str]:
    email = f"ops-{uuid.uuid4().hex[:6]}@example.com"
    creds = {"email": email, "password": "correct horse"}
    async with http.post(f"{server.url}/api/v1/auth/signup", json=creds) as resp:
        assert resp.status == 202, await resp.text()
    async with http.post(f"{server.url}/api/v1/auth/login", json=creds) as resp:
        token = (await resp.json())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"name": "shop", "repository": f"github.com/acme/shop-{uuid.uuid4().hex[:6]}"}
    async with http.post(f"{server.url}/api/v1/projects", json=body, headers=headers) as resp:
        assert resp.status == 201, await resp.text()
        project: dict[str, Any] = await resp.json()
    return project, token


def _envelope(error_type: str) -> tuple[str, bytes]:
    eid = uuid.uuid4().hex
    event = {
        "event_id": eid, "platform": "python", "level": "error",
        "exception": {"values": [{"type": error_type, "value": "boom", "stacktrace": {"frames": [
            {"filename": "shop/app.py", "function": "run", "lineno": 3, "in_app": True}]}}]},
    }  # fmt: skip
    return eid, b"\n".join(
        [orjson.dumps({"event_id": eid}), orjson.dumps({"type": "event"}), orjson.dumps(event)]
    )


async def _send(
    http: aiohttp.ClientSession, server: Server, project: dict[str, Any], error_type: str
) -> str | None:
    """The event id when the server acknowledged it, None when it did not."""
    eid, body = _envelope(error_type)
    key = project["ingest_key"]["public_key"]
    auth = {"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7"}
    try:
        url = f"{server.url}/api/{project['id']}/envelope/"
        async with http.post(url, data=body, headers=auth) as resp:
            return eid if resp.status == 200 else None
    except (TimeoutError, aiohttp.ClientError, OSError):
        return None


async def _next_change(stream: aiohttp.ClientResponse) -> dict[str, Any]:
    """The next `change` event of an SSE stream (heartbeats and `ready` skipped)."""
    kind, data = "", b""
    while True:
        line = (await asyncio.wait_for(stream.content.readline(), 10)).rstrip(b"\r\n")
        if line.startswith(b"event:"):
            kind = line.split(b":", 1)[1].strip().decode()
        elif line.startswith(b"data:"):
            data += line.split(b":", 1)[1].strip()
        elif not line and data:
            if kind == "change":
                change: dict[str, Any] = orjson.loads(data)
                return change
            kind, data = "", b""


async def test_two_servers_share_the_work_the_feed_and_survive_a_kill(
    two_servers: tuple[Server, Server], database_url: str
) -> None:
    a, b = two_servers
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        project, token = await _project(http, a)
        assert project["ingest_key"]["dsn"].startswith("http://")
        assert "@errors.example.test/" in project["ingest_key"]["dsn"]
        live = f"{b.url}/api/v1/projects/{project['id']}/live"
        async with http.get(live, headers={"Authorization": f"Bearer {token}"}) as stream:
            assert stream.status == 200
            assert await _send(http, a, project, "SentToA")
            change = await _next_change(stream)
            assert change["incident"]["error_type"] == "SentToA", "B's feed shows A's event"

        acked: list[str] = []
        per_server = {a.url: 0, b.url: 0}

        async def producer(n: int) -> None:
            for i in range(60):
                server = (a, b)[(n + i) % 2]
                eid = await _send(http, server, project, f"Load{n % 3}")
                if eid:
                    acked.append(eid)
                    per_server[server.url] += 1

        async def killer() -> None:
            while per_server[b.url] < 20:
                await asyncio.sleep(0.01)
            b.proc.send_signal(signal.SIGKILL)

        await asyncio.gather(*(producer(n) for n in range(6)), killer())
        b.proc.wait(10)

    assert per_server[a.url] > 20 and per_server[b.url] >= 20, per_server
    assert b.proc.returncode == -signal.SIGKILL
    conn = await asyncpg.connect(database_url)
    try:
        stored = {
            r[0].hex
            for r in await conn.fetch(
                "SELECT event_id FROM events WHERE project_id = $1", project["id"]
            )
        }
        counts = await conn.fetchval(
            "SELECT sum(event_count) FROM incidents WHERE project_id = $1", project["id"]
        )
    finally:
        await conn.close()
    lost = set(acked) - stored
    assert not lost, f"{len(lost)} acknowledged events lost"
    assert counts == len(stored)
