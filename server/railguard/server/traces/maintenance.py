"""Retention of performance data, run periodically by every server: daily partitions of
transactions and spans created ahead and dropped after `trace_raw_retention_days`; route
metrics kept longer (minutes for `trace_minute_retention_days`, hours and days and span groups
for `trace_aggregate_retention_days`). Partition DDL runs under a transaction advisory lock so
processes take turns; every step is idempotent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg

from railguard.server.db import Executor, queries

log = logging.getLogger(__name__)

_LOCK = 0x74726163  # "trac": any constant shared by every process
_DAYS_AHEAD = 3


async def ensure_partitions(conn: Executor) -> None:
    today = datetime.now(UTC).date()
    await queries.ensure_trace_partitions(
        conn, from_day=today - timedelta(days=1), days=_DAYS_AHEAD + 2
    )


async def run_once(
    pool: asyncpg.Pool, *, raw_days: int, minute_days: int, aggregate_days: int
) -> bool:
    """One pass; False when another process held the lock."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        if not await queries.try_xact_lock(conn, key=_LOCK):
            return False
        await ensure_partitions(conn)
        dropped = await queries.drop_trace_partitions(
            conn, before=(now - timedelta(days=raw_days)).date()
        )
        await queries.delete_default_traces_before(conn, cutoff=now - timedelta(days=raw_days))
        await queries.delete_route_stats_before(
            conn, resolution="minute", cutoff=now - timedelta(days=minute_days)
        )
        for resolution in ("hour", "day"):
            await queries.delete_route_stats_before(
                conn, resolution=resolution, cutoff=now - timedelta(days=aggregate_days)
            )
        await queries.delete_span_stats_before(conn, cutoff=now - timedelta(days=aggregate_days))
        if dropped:
            log.info("traces: dropped %d partitions past retention", dropped)
    return True


@contextlib.asynccontextmanager
async def periodic(
    pool: asyncpg.Pool, *, raw_days: int, minute_days: int, aggregate_days: int, interval: float
) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            try:
                await run_once(
                    pool, raw_days=raw_days, minute_days=minute_days, aggregate_days=aggregate_days
                )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("traces maintenance failed (retrying in %.0f s): %s", interval, exc)
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="railguard-traces-maintenance")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
