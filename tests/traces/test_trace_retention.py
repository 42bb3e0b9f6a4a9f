"""Retention: raw transactions and spans leave after `trace_raw_retention_days` (whole daily
partitions, and rows of the DEFAULT partition), minute metrics after
`trace_minute_retention_days`, hour and day metrics only after the aggregate retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from railguard.server.db import create_pool
from railguard.server.traces import maintenance


async def test_raw_data_leaves_before_the_metrics(database_url: str) -> None:
    now = datetime.now(UTC)
    old_day = (now - timedelta(days=20)).date()
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SELECT traces_ensure_partitions($1, 1)", old_day)
        for days in (20, 400 * 3, 1):  # a partition, the DEFAULT partition, today
            at = now - timedelta(days=days)
            await conn.execute(
                "INSERT INTO transactions (project_id, started_at, trace_id, span_id, "
                "received_at, environment, route, failed, duration_ms, source) "
                "VALUES (1, $1, gen_random_uuid(), 1, $1, 'p', 'GET /', false, 5, 'sentry')", at,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO spans (project_id, tx_started_at, trace_id, span_id, started_at, "
                "duration_ms) VALUES (1, $1, gen_random_uuid(), 2, $1, 1)", at,
            )  # fmt: skip
        for resolution in ("minute", "hour", "day"):
            for days in (10, 500):
                await conn.execute(
                    "INSERT INTO route_stats VALUES (1, $1, 'p', 'GET /', $2, 1, 0, 5, '{}')",
                    resolution, now - timedelta(days=days),
                )  # fmt: skip
        pool = await create_pool(database_url, min_size=1, max_size=2)
        try:
            ran = await maintenance.run_once(pool, raw_days=14, minute_days=7, aggregate_days=400)
        finally:
            await pool.close()
        assert ran
        partition = f"transactions_{old_day:%Y%m%d}"
        assert await conn.fetchval("SELECT to_regclass($1)", partition) is None
        assert await conn.fetchval("SELECT count(*) FROM transactions") == 1
        assert await conn.fetchval("SELECT count(*) FROM spans") == 1
        kept = await conn.fetch("SELECT resolution, bucket FROM route_stats ORDER BY 1")
        assert [r["resolution"] for r in kept] == ["day", "hour"]
        assert all(now - r["bucket"] < timedelta(days=11) for r in kept)
    finally:
        await conn.close()
