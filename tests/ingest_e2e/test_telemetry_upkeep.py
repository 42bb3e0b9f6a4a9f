"""The periodic passes, run against the real database and event writer with a clock moved ahead:
missed check-ins (several expected times at once, reported once even by two passes racing),
an in_progress check-in past its max runtime, log partitions and release health past retention."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from e2e import Ctx, envelope, new_project, sql

from railguard.server import db
from railguard.server.crons import watch
from railguard.server.logs.runtime import maintain_partitions
from railguard.server.pipeline.writer import EventWriter
from support import Api


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(database_url, min_size=1, max_size=4)
    yield p
    await p.close()


@pytest.fixture
async def writer(pool: asyncpg.Pool) -> AsyncIterator[EventWriter]:
    w = EventWriter(pool)
    w.start()
    yield w
    await w.stop()


async def _checkins(ctx: Ctx, monitor_id: int) -> list[dict[str, Any]]:
    resp = await ctx.client.get(f"/api/v1/cron-monitors/{monitor_id}/checkins", headers=ctx.headers)
    assert resp.status == 200
    found: list[dict[str, Any]] = await resp.json()
    return found


async def _monitor(ctx: Ctx, slug: str) -> dict[str, Any]:
    resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/cron-monitors", headers=ctx.headers)
    (found,) = [m for m in await resp.json() if m["slug"] == slug]
    return dict(found)


async def test_missed_ticks_are_reported_once_even_by_racing_passes(
    ctx: Ctx, pool: asyncpg.Pool, writer: EventWriter
) -> None:
    config = {"schedule": {"type": "interval", "value": 10, "unit": "minute"}, "checkin_margin": 2}
    resp = await ctx.send(envelope(("check_in", {
        "check_in_id": uuid.uuid4().hex, "monitor_slug": "sync", "status": "ok",
        "monitor_config": config})))  # fmt: skip
    assert resp.status == 200
    monitor = await _monitor(ctx, "sync")
    expected = datetime.fromisoformat(monitor["expected_at"])
    # 35 minutes on: the check-ins due at +10, +20 and +30 min are missed (+30 + 2 < +35).
    later = expected - timedelta(minutes=10) + timedelta(minutes=35)
    counts = await asyncio.gather(*(watch.find_missed(pool, writer, later) for _ in range(2)))
    assert sum(counts) in (3, 6)  # both may see the monitor; only one moves it on
    assert [c["status"] for c in await _checkins(ctx, monitor["id"])] == [
        "missed", "missed", "missed", "ok"]  # fmt: skip
    moved = await _monitor(ctx, "sync")
    assert moved["status"] == "missed"
    assert datetime.fromisoformat(moved["expected_at"]) == expected + timedelta(minutes=30)
    (incident,) = await ctx.incidents()
    assert incident["error_type"] == "MissedCheckIn" and incident["event_count"] == 3
    # Nothing more is due until the next deadline.
    assert await watch.find_missed(pool, writer, later) == 0


async def test_a_run_past_its_max_runtime_times_out(
    ctx: Ctx, pool: asyncpg.Pool, writer: EventWriter
) -> None:
    config = {"schedule": {"type": "crontab", "value": "0 * * * *"}, "max_runtime": 5}
    resp = await ctx.send(envelope(("check_in", {
        "check_in_id": uuid.uuid4().hex, "monitor_slug": "export", "status": "in_progress",
        "environment": "production", "monitor_config": config})))  # fmt: skip
    assert resp.status == 200
    now = datetime.now(UTC)
    assert await watch.find_timeouts(pool, writer, now + timedelta(minutes=4)) == 0
    assert await watch.find_timeouts(pool, writer, now + timedelta(minutes=6)) == 1
    monitor = await _monitor(ctx, "export")
    assert monitor["status"] == "timeout"
    assert [c["status"] for c in await _checkins(ctx, monitor["id"])] == ["timeout"]
    (incident,) = await ctx.incidents()
    assert incident["error_type"] == "TimedOutCheckIn"
    assert await watch.find_timeouts(pool, writer, now + timedelta(minutes=7)) == 0


async def test_log_days_past_retention_are_dropped_whole(
    ctx: Ctx, pool: asyncpg.Pool, database_url: str
) -> None:
    old_day = datetime.now(UTC).date() - timedelta(days=40)
    await sql(database_url, "SELECT logs_ensure_partitions($1, 1)", old_day)
    at = datetime(old_day.year, old_day.month, old_day.day, 12, tzinfo=UTC)
    await sql(
        database_url,
        "INSERT INTO logs (project_id, received_at, occurred_at, level, body, source) "
        "VALUES ($1, $2, $2, 'info', 'ancient', 'sentry')",
        ctx.pid, at,
    )  # fmt: skip
    resp = await ctx.send(envelope(("log", {"items": [{"body": "fresh", "level": "info"}]})))
    assert resp.status == 200
    old_hour, fresh_hour = at, datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for hour in (old_hour - timedelta(days=60), fresh_hour):
        await sql(
            database_url,
            "INSERT INTO session_counts (project_id, release, environment, hour, started) "
            "VALUES ($1, 'r', 'production', $2, 1)",
            ctx.pid, hour,
        )  # fmt: skip
    await maintain_partitions(pool, retention_days=30)
    rows = await sql(database_url, "SELECT hour FROM session_counts")
    assert [r[0] for r in rows] == [fresh_hour]
    names = {r[0] for r in await sql(database_url, "SELECT tablename FROM pg_tables "
                                                   "WHERE tablename LIKE 'logs_%'")}  # fmt: skip
    assert f"logs_{old_day:%Y%m%d}" not in names
    today = datetime.now(UTC).date()
    assert {f"logs_{today + timedelta(days=d):%Y%m%d}" for d in range(3)} <= names
    resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/logs", headers=ctx.headers)
    assert [e["body"] for e in (await resp.json())["items"]] == ["fresh"]
