"""Fault-injection helpers: a private PostgreSQL and `railguard serve` processes to kill.

Each test gets its OWN embedded PostgreSQL (so stopping it hurts nobody else) and starts the
server as a subprocess. `Loader` drives SDK-shaped envelopes with unique event ids at the server
and keeps what every id got: acknowledged (2xx), refused (status and headers) or a connection
error. Long variants are marked `slow` and run only with RAILGUARD_LONG_TESTS=1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from testkit.api import create_project, sign_up

from railguard.server.embedded_db import EmbeddedPostgres
from railguard.server.migrations import migrate_up
from support import ServedBackend, pg_home

LONG = os.environ.get("RAILGUARD_LONG_TESTS") == "1"
#: Long variants: `@slow` marks them `slow` and skips them unless RAILGUARD_LONG_TESTS=1. (Kept
#: here rather than in a tests/fault/conftest.py: a second module named `conftest` shadows the
#: root one for `from conftest import ...` in other folders.)
_skip_short = pytest.mark.skipif(not LONG, reason="long variant: set RAILGUARD_LONG_TESTS=1")


def slow(test: Any) -> Any:
    return pytest.mark.slow(_skip_short(test))


@dataclass
class Database:
    pg: EmbeddedPostgres
    url: str

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


@dataclass
class Project:
    id: int
    public_key: str
    token: str


async def make_project(url: str) -> Project:
    async with aiohttp.ClientSession() as session:
        token = await sign_up(session, url, "fault")
        repository = f"github.com/fault/{uuid.uuid4().hex[:6]}"
        body = await create_project(session, url, token, "fault", repository)
    return Project(body["id"], body["ingest_key"]["public_key"], token)


def envelope(event_id: str, kind: int) -> bytes:
    """A Python-SDK-shaped error envelope (trimmed) with this id and error kind."""
    event = {
        "event_id": event_id,
        "timestamp": time.time(),
        "platform": "python",
        "level": "error",
        "release": "shop@1.0.0",
        "environment": "production",
        "exception": {"values": [{
            "type": f"Fault{kind}Error", "value": f"failure {kind}",
            "mechanism": {"type": "generic", "handled": True},
            "stacktrace": {"frames": [
                {"filename": "shop/run.py", "function": "main", "lineno": 3, "in_app": True,
                 "context_line": "    handle()"},
                {"filename": "shop/billing.py", "function": f"charge_{kind}", "lineno": 10,
                 "in_app": True, "context_line": "    raise FaultError()"},
            ]},
        }]},
        "sdk": {"name": "sentry.python", "version": "2.75.0"},
    }  # fmt: skip
    payload = json.dumps(event).encode()
    header = json.dumps({"event_id": event_id, "sent_at": "2026-01-01T00:00:00Z"}).encode()
    item = json.dumps({"type": "event", "length": len(payload)}).encode()
    return header + b"\n" + item + b"\n" + payload + b"\n"


@dataclass
class Outcome:
    acked: set[str] = field(default_factory=set)
    refused: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)


class Loader:
    """Concurrent senders of unique events until stopped. An id whose request failed at the
    connection is sent once more later (as a retrying client would): the server must store it
    once whether or not the first attempt committed."""

    def __init__(self, url: str, project: Project, *, concurrency: int = 8) -> None:
        self.url = f"{url}/api/{project.id}/envelope/"
        self.headers = {
            "Content-Type": "application/x-sentry-envelope",
            "X-Sentry-Auth": f"Sentry sentry_key={project.public_key}, sentry_version=7",
        }
        self.concurrency = concurrency
        self.outcome = Outcome()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._retry: list[str] = []
        self._n = 0

    async def __aenter__(self) -> Loader:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        # Re-send what failed at the connection, now that the server is expected to be up.
        for event_id in list(self._retry):
            await self._send(event_id, retry=False)
        await self._session.close()

    async def _worker(self) -> None:
        while not self._stop.is_set():
            self._n += 1
            await self._send(uuid.uuid4().hex, retry=True)

    async def _send(self, event_id: str, *, retry: bool) -> None:
        out = self.outcome
        try:
            async with self._session.post(
                self.url, data=envelope(event_id, self._n % 50), headers=self.headers
            ) as resp:
                await resp.read()
                out.statuses[resp.status] = out.statuses.get(resp.status, 0) + 1
                if 200 <= resp.status < 300:
                    out.acked.add(event_id)
                    out.errors.pop(event_id, None)
                else:
                    out.refused[event_id] = (resp.status, dict(resp.headers))
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            out.errors[event_id] = type(exc).__name__
            if retry:
                self._retry.append(event_id)
            await asyncio.sleep(0.05)  # a client backs off a little when the server is gone


async def stored_counts(db: Database, project_id: int) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT replace(event_id::text, '-', '') AS id, count(*) AS n FROM events "
        "WHERE project_id = $1 GROUP BY event_id",
        project_id,
    )
    return {r["id"]: r["n"] for r in rows}


def check_outcome(outcome: Outcome, stored: dict[str, int]) -> None:
    """Every acknowledged id is stored exactly once; nothing is stored twice; every refusal
    told the SDK to back off (429 with Retry-After and X-Sentry-Rate-Limits)."""
    assert outcome.acked, "no event was acknowledged at all"
    missing = [i for i in outcome.acked if stored.get(i) != 1]
    assert not missing, f"{len(missing)} acknowledged events not stored exactly once"
    assert all(n == 1 for n in stored.values()), "an event was stored twice"
    for event_id, (status, headers) in outcome.refused.items():
        assert status == 429, f"{event_id} refused with {status}"
        assert "Retry-After" in headers and "X-Sentry-Rate-Limits" in headers


async def wait_until(predicate: Any, timeout: float, interval: float = 0.2) -> float:
    """Poll an async predicate; returns seconds waited, fails after `timeout`."""
    began = time.monotonic()
    while True:
        if await predicate():
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
        yield s


async def start_database(home: Path) -> Database:
    """A private embedded PostgreSQL with a migrated database (stop it with `pg.stop`)."""
    pg = EmbeddedPostgres(home)
    admin = await asyncio.to_thread(pg.start)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute("CREATE DATABASE railguard_fault")
    finally:
        await conn.close()
    url = admin.rsplit("/", 1)[0] + "/railguard_fault"
    await migrate_up(url)
    return Database(pg, url)


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A private embedded PostgreSQL with a migrated database, stopped at the end."""
    db = await start_database(pg_home(tmp_path))
    try:
        yield db
    finally:
        await asyncio.to_thread(db.pg.stop, "immediate")


@pytest.fixture
def server(own_database: Database, tmp_path: Path) -> Iterator[ServedBackend]:
    """`railguard serve` on the test's own database, stopped at the end."""
    srv = ServedBackend(own_database.url, tmp_path / "server.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
