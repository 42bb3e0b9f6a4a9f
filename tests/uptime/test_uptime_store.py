"""The data layer on a real database: claiming (once per slot, missed slots skipped, deleted
projects left alone), heartbeat partitions ahead and past retention, rollups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from railguard.server import db
from railguard.server.uptime import maintenance
from railguard.server.uptime.builtin import claim_jobs
from railguard.server.uptime.checks import CheckResult
from railguard.server.uptime.monitors import monitor_stats
from railguard.server.uptime.results import apply_result


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(database_url, min_size=1, max_size=4)
    yield p
    await p.close()


async def _monitor(pool: asyncpg.Pool, *, interval: int = 10, next_run: str = "now()") -> int:
    owner = await pool.fetchval(
        "INSERT INTO users (email) VALUES ('u' || gen_random_uuid() || '@x.io') RETURNING id"
    )
    org = await pool.fetchval("INSERT INTO organizations (name) VALUES ('o') RETURNING id")
    project = await pool.fetchval(
        "INSERT INTO projects (name, owner_id, organization_id, repository) "
        "VALUES ('p', $1, $2, 'github.com/a/' || gen_random_uuid()) RETURNING id", owner, org,
    )  # fmt: skip
    monitor: int = await pool.fetchval(
        "INSERT INTO monitors (project_id, name, kind, config, interval_seconds, timeout_seconds,"
        f" retries, next_run_at) VALUES ($1, 'm', 'tcp', $2, $3, 1, 0, {next_run}) RETURNING id",
        project, {"kind": "tcp", "host": "127.0.0.1", "port": 9}, interval,
    )  # fmt: skip
    return monitor


async def test_a_slot_is_claimed_once_and_missed_slots_are_skipped(pool: asyncpg.Pool) -> None:
    mid = await _monitor(pool, next_run="now() - interval '95 seconds'")  # 9 slots missed
    before = await pool.fetchval("SELECT next_run_at FROM monitors WHERE id = $1", mid)
    now = await pool.fetchval("SELECT now()")
    jobs = await claim_jobs(pool, agent_id=None, lookahead=1, limit=10)
    assert [j.monitor_id for j in jobs] == [mid]
    assert jobs[0].due_at >= now  # a catch-up run is due now, once, not nine times
    after = await pool.fetchval("SELECT next_run_at FROM monitors WHERE id = $1", mid)
    assert after > now and (after - before).total_seconds() % 10 == pytest.approx(0)  # phase kept
    assert await claim_jobs(pool, agent_id=None, lookahead=1, limit=10) == []


async def test_a_slot_within_an_interval_keeps_its_own_time(pool: asyncpg.Pool) -> None:
    mid = await _monitor(pool, next_run="now() - interval '3 seconds'")
    slot = await pool.fetchval("SELECT next_run_at FROM monitors WHERE id = $1", mid)
    (job,) = await claim_jobs(pool, agent_id=None, lookahead=1, limit=10)
    assert job.due_at == slot  # lateness is measured against the real slot


async def test_monitors_of_a_deleted_project_are_not_run(pool: asyncpg.Pool) -> None:
    mid = await _monitor(pool)
    await pool.execute(
        "UPDATE projects SET deleted_at = now() WHERE id = "
        "(SELECT project_id FROM monitors WHERE id = $1)", mid,
    )  # fmt: skip
    assert await claim_jobs(pool, agent_id=None, lookahead=1, limit=10) == []


async def test_partitions_ahead_and_retention(pool: asyncpg.Pool) -> None:
    today = datetime.now(UTC).date()
    old = today - timedelta(days=40)
    await pool.fetchval("SELECT uptime_ensure_heartbeat_partitions($1, 1)", old)
    await maintenance.maintain_partitions(pool, retention_days=31)
    names = {
        r["relname"] for r in await pool.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'heartbeats'::regclass")
    }  # fmt: skip
    assert f"heartbeats_{old:%Y%m%d}" not in names
    for ahead in range(-1, 4):
        assert f"heartbeats_{today + timedelta(days=ahead):%Y%m%d}" in names
    # A result on a day nobody created lands in DEFAULT instead of failing.
    mid = await _monitor(pool)
    far = datetime.now(UTC) + timedelta(days=400)
    assert await apply_result(pool, monitor_id=mid, result=CheckResult(True, 3.0), checked_at=far)
    assert await pool.fetchval("SELECT count(*) FROM heartbeats_default") == 1


async def test_rollups_feed_the_windows(pool: asyncpg.Pool) -> None:
    mid = await _monitor(pool)
    now = datetime.now(UTC)
    for i, (ok, ms) in enumerate([(True, 10.0), (True, 20.0), (False, None), (True, 30.0)]):
        result = CheckResult(ok, ms, None if ok else "refused")
        await apply_result(pool, monitor_id=mid, result=result,
                           checked_at=now - timedelta(seconds=10 - i))  # fmt: skip
    old = now - timedelta(days=3)
    await apply_result(pool, monitor_id=mid, result=CheckResult(False, None, "x"), checked_at=old)
    stats = {w.window: w for w in (await monitor_stats(pool, mid)).windows}
    assert stats["24h"].checks == 4 and stats["24h"].uptime_percent == 75.0
    assert stats["7d"].checks == 5 and stats["7d"].uptime_percent == 60.0
    assert stats["24h"].latency_p50_ms == pytest.approx(20, rel=0.05)
    assert stats["24h"].latency_p99_ms == pytest.approx(30, rel=0.05)
