"""Retention and partition upkeep against real PostgreSQL: old days leave as whole partitions,
incidents keep their counts, a project's shorter retention deletes only its rows, partitions
ahead are made by the running server, and one maintenance pass runs at a time."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import asyncpg
from aiohttp.test_utils import TestClient, TestServer
from e2e import Ctx, event_envelope, new_project, sentry_event, sql

from railguard.server import db, retention
from railguard.server.app import create_app
from railguard.server.settings import Settings
from support import Api, free_port

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_partition_end_from_names() -> None:
    assert retention.partition_end("events_20261130") == datetime(2026, 12, 1, tzinfo=UTC)
    assert retention.partition_end("events_202612") == datetime(2027, 1, 2, tzinfo=UTC)
    assert retention.partition_end("events_default") is None


def test_only_partitions_wholly_before_the_cutoff_are_droppable() -> None:
    names = ["events_default", "events_20260901", "events_20260902", "events_202608", "events_x"]
    cutoff = datetime(2026, 9, 2, 6, 0, tzinfo=UTC)
    assert retention.droppable(names, cutoff) == ["events_20260901", "events_202608"]


def test_project_cutoffs_only_for_shorter_retention() -> None:
    cutoffs = retention.project_cutoffs([(1, 7), (2, 90), (3, 365)], NOW, global_days=90)
    assert cutoffs == {1: NOW - timedelta(days=7)}
    assert set(retention.project_cutoffs([(1, 7), (3, 365)], NOW, global_days=0)) == {1, 3}


async def _send(ctx: Ctx, error_type: str, count: int) -> None:
    for _ in range(count):
        resp = await ctx.send(event_envelope(sentry_event(error_type)))
        assert resp.status == 200, await resp.text()


async def _age(url: str, project_id: int, days: int) -> None:
    """Make a project's events look `days` old: the rows move to that day's partition."""
    await sql(
        url, "SELECT railguard_ensure_daily_event_partitions(current_date - $1::int, 1)", days
    )
    await sql(
        url,
        "UPDATE events SET received_at = received_at - make_interval(days => $2) "
        "WHERE project_id = $1",
        project_id,
        days,
    )


async def _counts(url: str) -> dict[int, int]:
    rows = await sql(url, "SELECT project_id, count(*) FROM events GROUP BY project_id")
    return {r[0]: r[1] for r in rows}


async def _partitions(url: str) -> set[str]:
    rows = await sql(
        url,
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'events'::regclass",
    )
    return {r[0] for r in rows}


async def _incident_counts(url: str) -> dict[str, int]:
    rows = await sql(url, "SELECT error_type, event_count FROM incidents")
    return {r[0]: r[1] for r in rows}


async def _pool(url: str) -> asyncpg.Pool:
    return await db.create_pool(url, min_size=1, max_size=2)


async def test_old_days_are_dropped_as_partitions_and_incidents_keep_counts(
    api: Api, database_url: str
) -> None:
    old, recent = await new_project(api), await new_project(api)
    await _send(old, "OldError", 3)
    await _send(recent, "RecentError", 2)
    await _age(database_url, old.pid, 100)
    long_ago = datetime.now(UTC) - timedelta(days=90)
    (old_day,) = retention.droppable(sorted(await _partitions(database_url)), long_ago)
    default_rows = await sql(database_url, "SELECT count(*) FROM events_default")
    pool = await _pool(database_url)
    try:
        report = await retention.run_once(pool, retention_days=90, ahead_days=3)
    finally:
        await pool.close()
    assert report.ran and report.partitions_dropped == [old_day]
    assert report.rows_deleted == 0, "no row was deleted one by one"
    assert old_day not in await _partitions(database_url)
    assert await _counts(database_url) == {recent.pid: 2}
    assert await _incident_counts(database_url) == {"OldError": 3, "RecentError": 2}
    assert (await sql(database_url, "SELECT count(*) FROM events_default")) == default_rows
    incident = (await old.incidents())[0]
    assert incident["event_count"] == 3


async def test_a_project_with_shorter_retention_loses_only_its_old_rows(
    api: Api, database_url: str
) -> None:
    short, other = await new_project(api), await new_project(api)
    await _send(short, "ShortError", 2)
    await _send(other, "OtherError", 2)
    await _age(database_url, short.pid, 10)
    await _age(database_url, other.pid, 10)
    env = {**os.environ, "RAILGUARD_DATABASE_URL": database_url, "RAILGUARD_LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "railguard.server", "project", "retention",
         "--project", str(short.pid), "--days", "7"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "keeps events 7 days" in done.stdout, done.stderr
    pool = await _pool(database_url)
    try:
        report = await retention.run_once(pool, retention_days=90, ahead_days=3)
    finally:
        await pool.close()
    assert report.rows_deleted == 2 and report.partitions_dropped == []
    assert await _counts(database_url) == {other.pid: 2}
    assert await _incident_counts(database_url) == {"ShortError": 2, "OtherError": 2}


def test_project_retention_refuses_unknown_projects_and_bad_days(database_url: str) -> None:
    env = {**os.environ, "RAILGUARD_DATABASE_URL": database_url, "RAILGUARD_LOG_LEVEL": "WARNING"}
    for days, message in (("7", "no project with id 999"), ("-1", "negative"), ("x", "number")):
        result = subprocess.run(
            [sys.executable, "-m", "railguard.server", "project", "retention",
             "--project", "999", "--days", days],
            capture_output=True, text=True, env=env, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode != 0 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


async def test_rows_in_the_default_partition_move_into_a_new_day(database_url: str) -> None:
    future = (datetime.now(UTC) + timedelta(days=40)).date()
    part = f"events_{future:%Y%m%d}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO events (event_id, project_id, incident_id, received_at, occurred_at, "
            "level, payload) VALUES (gen_random_uuid(), 1, 1, $1, $1, 'error', '{}')",
            datetime(future.year, future.month, future.day, 12, tzinfo=UTC),
        )
        assert await conn.fetchval("SELECT count(*) FROM events_default") == 1
    finally:
        await conn.close()
    pool = await _pool(database_url)
    try:
        report = await retention.run_once(pool, retention_days=90, ahead_days=45)
    finally:
        await pool.close()
    assert report.partitions_created >= 25 and part in await _partitions(database_url)
    assert (await sql(database_url, f"SELECT count(*) FROM {part}"))[0][0] == 1
    assert (await sql(database_url, "SELECT count(*) FROM events_default"))[0][0] == 0


async def test_one_pass_at_a_time_across_servers(database_url: str) -> None:
    holder = await asyncpg.connect(database_url)
    pool = await _pool(database_url)
    try:
        assert await holder.fetchval("SELECT pg_try_advisory_lock($1)", retention.LOCK_KEY)
        report = await retention.run_once(pool, retention_days=90, ahead_days=3)
        assert not report.ran
        await holder.execute("SELECT pg_advisory_unlock($1)", retention.LOCK_KEY)
        assert (await retention.run_once(pool, retention_days=90, ahead_days=3)).ran
    finally:
        await pool.close()
        await holder.close()


async def test_the_running_server_creates_partitions_ahead(settings: Settings) -> None:
    url = settings.database_url
    assert url is not None
    far = (datetime.now(UTC) + timedelta(days=29)).date()
    assert f"events_{far:%Y%m%d}" not in await _partitions(url)
    app = create_app(settings.model_copy(update={"partitions_ahead_days": 30}))
    server = TestServer(app, host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        resp = await client.get("/api/v1/health")
        assert resp.status == 200
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while f"events_{far:%Y%m%d}" not in await _partitions(url):
            assert datetime.now(UTC) < deadline, "no partition made ahead"
            await _sleep()


async def _sleep() -> None:
    await asyncio.sleep(0.05)
