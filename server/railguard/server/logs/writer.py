"""Group commit for log records and discarded-item counts: many requests' records go in one
transaction (one multi-row INSERT, one upsert of the counts), and each request's future is
resolved only after the commit, so a 2xx always means "stored" (docs/logs-and-health.md).

The same shape as `pipeline/writer.py`'s event writer: a bounded queue (full: 429), batches of
up to `batch_size` requests or `batch_wait` seconds, and a refused batch split in halves until
the bad request is alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from railguard.server import usage
from railguard.server.db import DATABASE_DOWN, dumps_json, queries
from railguard.server.logs.records import LogRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Discard:
    origin: str  # "server" | "client"
    category: str
    reason: str
    quantity: int


@dataclass(frozen=True, slots=True)
class TelemetryBatch:
    """What one request wants stored: its log records and its discarded counts."""

    project_id: int
    received_at: datetime
    logs: list[LogRecord] = field(default_factory=list)
    discards: list[Discard] = field(default_factory=list)


class TelemetryUnavailable(Exception):
    """The database is unreachable, the writer stopped, or its queue is full: retry later."""


class TelemetryRejected(Exception):
    """The database refused this request's rows (its neighbours were stored)."""


_Pending = tuple[TelemetryBatch, "asyncio.Future[None]"]


def log_columns(batches: list[TelemetryBatch]) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in _LOG_COLUMNS}
    for batch in batches:
        for rec in batch.logs:
            cols["project_ids"].append(batch.project_id)
            cols["received_ats"].append(batch.received_at)
            cols["occurred_ats"].append(rec.occurred_at)
            cols["levels"].append(rec.level)
            cols["severity_numbers"].append(rec.severity_number)
            cols["bodies"].append(rec.body)
            cols["trace_ids"].append(rec.trace_id)
            cols["span_ids"].append(rec.span_id)
            cols["environments"].append(rec.environment)
            cols["releases"].append(rec.release)
            cols["loggers"].append(rec.logger)
            cols["sources"].append(rec.source)
            cols["attributes"].append(dumps_json(rec.attributes))
    return cols


_LOG_COLUMNS = (
    "project_ids", "received_ats", "occurred_ats", "levels", "severity_numbers", "bodies",
    "trace_ids", "span_ids", "environments", "releases", "loggers", "sources", "attributes",
)  # fmt: skip


def discard_columns(batches: list[TelemetryBatch]) -> dict[str, list[Any]]:
    """One row per (project, day, origin, category, reason), quantities summed."""
    totals: dict[tuple[int, Any, str, str, str], int] = {}
    for batch in batches:
        day = batch.received_at.date()
        for d in batch.discards:
            key = (batch.project_id, day, d.origin, d.category[:100], d.reason[:100])
            totals[key] = totals.get(key, 0) + d.quantity
    keys = sorted(totals)  # a fixed order: concurrent upserts lock rows alike, no deadlock
    return {
        "project_ids": [k[0] for k in keys],
        "days": [k[1] for k in keys],
        "origins": [k[2] for k in keys],
        "categories": [k[3] for k in keys],
        "reasons": [k[4] for k in keys],
        "quantities": [totals[k] for k in keys],
    }


class TelemetryWriter:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        batch_size: int = 200,
        batch_wait: float = 0.005,
        queue_size: int = 5_000,
    ) -> None:
        self._pool = pool
        self._batch_size = batch_size
        self._batch_wait = batch_wait
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue(maxsize=queue_size)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="railguard-telemetry-writer")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def submit(self, batch: TelemetryBatch) -> None:
        if not batch.logs and not batch.discards:
            return
        if self._stopping or self._task is None or self._task.done():
            raise TelemetryUnavailable("the writer is not running")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((batch, future))
        except asyncio.QueueFull:
            raise TelemetryUnavailable("the log queue is full") from None
        await asyncio.shield(future)

    async def _run(self) -> None:
        while True:
            pending = [await self._queue.get()]
            deadline = time.monotonic() + self._batch_wait
            while len(pending) < self._batch_size:
                timeout = deadline - time.monotonic()
                if timeout <= 0 and self._queue.empty():
                    break
                try:
                    pending.append(
                        self._queue.get_nowait()
                        if not self._queue.empty()
                        else await asyncio.wait_for(self._queue.get(), timeout)
                    )
                except TimeoutError:
                    break
            try:
                await self._write(pending)
            except Exception:  # pragma: no cover - _write settles every future itself
                log.exception("telemetry writer failed a batch")
                _fail_all(pending, TelemetryUnavailable("internal writer error"))
            finally:
                for _ in pending:
                    self._queue.task_done()

    async def _write(self, pending: list[_Pending]) -> None:
        batches = [b for b, _ in pending]
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                cols = log_columns(batches)
                if cols["bodies"]:
                    await queries.insert_logs(conn, **cols)
                    await usage.count_telemetry(conn, logs=Counter(cols["project_ids"]))
                discards = discard_columns(batches)
                if discards["quantities"]:
                    await queries.count_discarded(conn, **discards)
        except DATABASE_DOWN as exc:
            log.warning("database unavailable, %d log requests refused: %s", len(pending), exc)
            _fail_all(pending, TelemetryUnavailable(str(exc)))
            return
        except Exception as exc:
            if len(pending) > 1:
                half = len(pending) // 2
                await self._write(pending[:half])
                await self._write(pending[half:])
                return
            log.warning("log request of project %d refused: %s", batches[0].project_id, exc)
            _fail_all(pending, TelemetryRejected(str(exc)))
            return
        for _, future in pending:
            if not future.done():
                future.set_result(None)


def _fail_all(pending: list[_Pending], exc: Exception) -> None:
    for _, future in pending:
        if not future.done():
            future.set_exception(exc)
