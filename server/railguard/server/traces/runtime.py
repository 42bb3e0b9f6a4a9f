"""The performance pipeline's life in the app: its writer, snapshot sampler and maintenance
start after the database pool and stop (draining the writer) before it closes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from railguard.server.keys import POOL, SETTINGS
from railguard.server.traces import maintenance
from railguard.server.traces.snapshots import SnapshotSampler
from railguard.server.traces.writer import TraceWriter

TRACE_WRITER: web.AppKey[TraceWriter] = web.AppKey("trace_writer")
SNAPSHOTS: web.AppKey[SnapshotSampler] = web.AppKey("trace_snapshots")


async def lifecycle(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = app[POOL]
    writer = TraceWriter(pool, batch_wait=settings.writer_batch_wait_ms / 1000)
    writer.start()
    app[TRACE_WRITER] = writer
    app[SNAPSHOTS] = SnapshotSampler(
        slow_ms=settings.trace_snapshot_slow_ms,
        per_minute=settings.trace_snapshots_per_route_minute,
    )
    async with maintenance.periodic(
        pool,
        raw_days=settings.trace_raw_retention_days,
        minute_days=settings.trace_minute_retention_days,
        aggregate_days=settings.trace_aggregate_retention_days,
        interval=settings.maintenance_interval_s,
    ):
        yield
    await writer.stop()


def install(app: web.Application) -> None:
    """Register after the database context (cleanup runs in reverse: the writer drains first)."""
    app.cleanup_ctx.append(lifecycle)
