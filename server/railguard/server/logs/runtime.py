"""The log machinery every server process runs, started and stopped with the app: the
telemetry writer, and a periodic pass that creates log partitions ahead and drops days past
`log_retention_days` (hourly) and looks for missed and timed-out cron check-ins (every
`telemetry_maintenance_every` seconds; docs/logs-and-health.md). Partition DDL runs under a
transaction advisory lock so processes take turns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
from aiohttp import web

from railguard.server.crons import watch
from railguard.server.db import queries
from railguard.server.keys import POOL, SETTINGS, WRITER
from railguard.server.logs.writer import TelemetryWriter
from railguard.server.pipeline.writer import EventWriter, WriterOverloaded, WriterUnavailable

log = logging.getLogger(__name__)

TELEMETRY_WRITER: web.AppKey[TelemetryWriter] = web.AppKey("telemetry_writer")

_PARTITION_LOCK = 0x6C6F6773  # "logs": any constant shared by every process
_DAYS_AHEAD = 3
_BATCH = 5_000
HEALTH_KEEP = timedelta(days=91)  # the release-health API's longest window is 90 days


async def maintain_partitions(pool: asyncpg.Pool, retention_days: int) -> None:
    today = datetime.now(UTC).date()
    async with pool.acquire() as conn, conn.transaction():
        if not await queries.try_xact_lock(conn, key=_PARTITION_LOCK):
            return  # another process is at it
        await queries.ensure_log_partitions(
            conn, from_day=today - timedelta(days=1), days=_DAYS_AHEAD + 2
        )
        before = today - timedelta(days=retention_days)
        dropped = await queries.drop_log_partitions(conn, before=before)
        await queries.delete_default_logs_before(
            conn, cutoff=datetime(before.year, before.month, before.day, tzinfo=UTC), batch=_BATCH
        )
        await queries.delete_discarded_before(conn, before=before)
        cutoff = datetime(before.year, before.month, before.day, tzinfo=UTC)
        await queries.delete_old_health(
            conn, health_before=datetime.now(UTC) - HEALTH_KEEP, checkins_before=cutoff
        )
        if dropped:
            log.info("logs: dropped %d partitions past retention", dropped)


async def _loop(pool: asyncpg.Pool, writer: EventWriter, retention_days: int, every: float) -> None:
    last_partitions = 0.0
    loop = asyncio.get_running_loop()
    while True:
        try:
            if last_partitions == 0.0 or loop.time() - last_partitions >= 3600:
                await maintain_partitions(pool, retention_days)
                last_partitions = loop.time()
            await watch.check_monitors(pool, writer)
        except (asyncpg.PostgresError, OSError, WriterOverloaded, WriterUnavailable):
            log.warning("logs and cron monitors: periodic pass failed; retrying", exc_info=True)
        except Exception:  # noqa: BLE001 - a bug in one pass must not stop the next ones
            log.exception("logs and cron monitors: periodic pass failed")
        await asyncio.sleep(every)


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: after the pool exists (the database context runs first)."""
    settings = app[SETTINGS]
    writer = TelemetryWriter(app[POOL])
    writer.start()
    app[TELEMETRY_WRITER] = writer
    task = asyncio.create_task(
        _loop(
            app[POOL],
            app[WRITER],
            settings.log_retention_days,
            settings.telemetry_maintenance_every,
        ),
        name="railguard-telemetry-maintenance",
    )
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await writer.stop()
