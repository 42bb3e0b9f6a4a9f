"""Group commit for performance data, as `pipeline/writer.py` does for errors: handlers
`submit()` a request's transactions and await; the writer stores up to `batch_size` requests'
worth in one transaction (transactions, spans, route metrics, span groups) and resolves the
futures only after COMMIT, so a 2xx always means "stored"."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

import asyncpg

from railguard.server import usage
from railguard.server.db import DATABASE_DOWN, Executor, queries
from railguard.server.pipeline.writer import EventRejected, WriterOverloaded, WriterUnavailable
from railguard.server.traces import ids
from railguard.server.traces.maintenance import ensure_partitions
from railguard.server.traces.rows import (
    TraceSubmission,
    TxKey,
    fresh_transactions,
    route_stat_columns,
    span_columns,
    span_stat_columns,
    transaction_columns,
)

log = logging.getLogger(__name__)

_PARTITION_CHECK_EVERY = 3600.0
_Pending = tuple[TraceSubmission, "asyncio.Future[int]"]


class TraceWriter:
    def __init__(
        self, pool: asyncpg.Pool, *, batch_size: int = 200, batch_wait: float = 0.005,
        queue_size: int = 5_000,
    ) -> None:  # fmt: skip
        self._pool = pool
        self._batch_size = batch_size
        self._batch_wait = batch_wait
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue(maxsize=queue_size)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._partitions_checked = 0.0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="railguard-trace-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        self._stopping = True
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def submit(self, submission: TraceSubmission) -> int:
        """The number of transactions newly stored (re-sent ones are not stored twice)."""
        if self._stopping or self._task is None or self._task.done():
            raise WriterUnavailable("the trace writer is not running")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((submission, future))
        except asyncio.QueueFull:
            raise WriterOverloaded("trace queue is full") from None
        return await asyncio.shield(future)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            deadline = time.monotonic() + self._batch_wait
            while len(batch) < self._batch_size:
                timeout = deadline - time.monotonic()
                if timeout <= 0 and self._queue.empty():
                    break
                try:
                    batch.append(
                        self._queue.get_nowait()
                        if not self._queue.empty()
                        else await asyncio.wait_for(self._queue.get(), timeout)
                    )
                except TimeoutError:
                    break
            try:
                await self._write(batch)
            except Exception:  # pragma: no cover - _write settles every future itself
                log.exception("trace writer failed a batch")
                _fail_all(batch, WriterUnavailable("internal writer error"))
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            counts = await self._write_batch([sub for sub, _ in batch])
        except DATABASE_DOWN as exc:
            log.warning("database unavailable, %d trace requests refused: %s", len(batch), exc)
            _fail_all(batch, WriterUnavailable(str(exc)))
            return
        except Exception as exc:
            # One bad request must not sink its neighbours: bisect down to it.
            if len(batch) > 1:
                half = len(batch) // 2
                await self._write(batch[:half])
                await self._write(batch[half:])
                return
            log.warning("trace request refused by the database: %s", exc)
            _fail_all(batch, EventRejected("trace"))
            return
        for (_, future), count in zip(batch, counts, strict=True):
            if not future.done():
                future.set_result(count)

    async def _write_batch(self, subs: list[TraceSubmission]) -> list[int]:
        async with self._pool.acquire() as conn:
            await self._maybe_ensure_partitions(conn)
            async with conn.transaction():
                stored: set[TxKey] = set()
                if any(sub.transactions for sub in subs):
                    async for r in queries.insert_transactions(conn, **transaction_columns(subs)):
                        stored.add((r["project_id"], r["trace_id"].hex,
                                    ids.span_hex(r["span_id"])))  # fmt: skip
                counts = [
                    sum((sub.project_id, t.trace_id, t.span_id) in stored for t in sub.transactions)
                    for sub in subs
                ]
                fresh = fresh_transactions(subs, stored)
                orphans = [(sub.project_id, span) for sub in subs for span in sub.orphans]
                spans: Counter[int] = Counter(project_id for project_id, _ in fresh)
                if any(tx.spans for _, tx in fresh) or orphans:
                    columns = span_columns(fresh, orphans)
                    await queries.insert_spans(conn, **columns)
                    spans.update(columns["project_ids"])
                await usage.count_telemetry(conn, spans=spans)
                if fresh:
                    await queries.upsert_route_stats(conn, **route_stat_columns(fresh))
                    groups = span_stat_columns(fresh)
                    if groups["project_ids"]:
                        await queries.upsert_span_stats(conn, **groups)
        return counts

    async def _maybe_ensure_partitions(self, conn: Executor) -> None:
        now = time.monotonic()
        if now - self._partitions_checked > _PARTITION_CHECK_EVERY:
            await ensure_partitions(conn)
            self._partitions_checked = now


def _fail_all(batch: list[_Pending], exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
