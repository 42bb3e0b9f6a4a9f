# ruff: noqa: F811  (the fixtures `server` and `own_database` are imported from faultkit)
"""Nothing acknowledged is lost: kill -9 of the server and an
immediate PostgreSQL stop in the middle of a load, then restart and count.

After each: every event id that got a 2xx is stored exactly once, re-sent ids are not stored
twice, and every refusal was a 429 with `Retry-After` and `X-Sentry-Rate-Limits` (so SDKs back off
and record the drop) or a connection error (which SDKs report as a failed send).
"""

from __future__ import annotations

import asyncio

import pytest
from faultkit import (
    LONG,
    Database,
    Loader,
    check_outcome,
    make_project,
    own_database,  # noqa: F401  (fixture)
    server,  # noqa: F401  (fixture)
    session,
    slow,
    stored_counts,
    wait_until,
)

from support import ServedBackend

pytestmark = pytest.mark.fault

ROUNDS = 3 if LONG else 1
LOAD_SECONDS = 6.0 if LONG else 1.5


async def _kill9_rounds(server: ServedBackend, db: Database, rounds: int) -> None:
    project = await make_project(server.url)
    async with Loader(server.url, project, concurrency=16) as loader:
        for _ in range(rounds):
            await asyncio.sleep(LOAD_SECONDS)
            await asyncio.to_thread(server.kill)
            await asyncio.sleep(0.3)  # clients see refused connections meanwhile
            await asyncio.to_thread(server.start)
        await asyncio.sleep(LOAD_SECONDS)
    out = loader.outcome
    check_outcome(out, await stored_counts(db, project.id))
    assert out.errors or out.statuses, "the kill went unnoticed by the clients"


async def test_kill_9_of_the_server_mid_load_loses_no_acknowledged_event(
    server: ServedBackend, own_database: Database
) -> None:
    await _kill9_rounds(server, own_database, 1)


@slow
async def test_kill_9_repeatedly_under_longer_load(
    server: ServedBackend, own_database: Database
) -> None:
    await _kill9_rounds(server, own_database, 5)


async def _pg_outage(server: ServedBackend, db: Database, down_seconds: float) -> None:
    project = await make_project(server.url)
    native_headers = {"X-Railguard-Key": project.public_key}
    async with Loader(server.url, project, concurrency=8) as loader, session() as http:
        await asyncio.sleep(LOAD_SECONDS)
        await asyncio.to_thread(db.pg.stop, "immediate")

        async def degraded() -> bool:
            async with http.get(f"{server.url}/api/v1/health") as resp:
                body = await resp.json()
                return resp.status == 503 and body["status"] == "degraded"

        await wait_until(degraded, 10)
        async with http.post(
            f"{server.url}/api/v1/events",
            json={"message": "while the database is down", "level": "error"},
            headers=native_headers,
        ) as resp:
            assert resp.status == 503, await resp.text()
            assert resp.headers.get("Retry-After")
        await asyncio.sleep(down_seconds)
        refused_while_down = sum(n for s, n in loader.outcome.statuses.items() if s == 429)
        assert refused_while_down > 0, loader.outcome.statuses

        await asyncio.to_thread(db.pg.start)

        async def healthy() -> bool:
            async with http.get(f"{server.url}/api/v1/health") as resp:
                return resp.status == 200

        recovered = await wait_until(healthy, 20)
        acked_before = len(loader.outcome.acked)
        await asyncio.sleep(LOAD_SECONDS)
        assert len(loader.outcome.acked) > acked_before, "ingest did not recover by itself"
    assert server.running(), "the server died"
    check_outcome(loader.outcome, await stored_counts(db, project.id))
    assert recovered < 20


async def test_postgres_immediate_stop_mid_load_degrades_then_recovers_without_restart(
    server: ServedBackend, own_database: Database
) -> None:
    await _pg_outage(server, own_database, 1.0)


@slow
async def test_postgres_outage_of_half_a_minute(
    server: ServedBackend, own_database: Database
) -> None:
    await _pg_outage(server, own_database, 30.0)
