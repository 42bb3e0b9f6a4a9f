"""Group commit: one task writes many concurrent requests' events in one transaction.

Handlers `submit()` an event and await its future; the writer drains up to `batch_size` events
or `batch_wait` seconds of arrivals, writes receipts, incidents, events and key usage, sends one
NOTIFY, commits, and only then resolves the futures. So a 2xx always means "committed".
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from railguard.server.db import DATABASE_DOWN, Executor, fetch_all, queries
from railguard.server.pipeline import curation
from railguard.server.pipeline.batch import (
    Submission,
    aggregate,
    event_columns,
    group_key,
    incident_columns,
)
from railguard.server.usage import count as count_usage

log = logging.getLogger(__name__)

_PARTITION_CHECK_EVERY = 6 * 3600.0
# How many parts a refused batch is split into (see `_write`); measured in `make bench`.
_SPLIT = 8


@dataclass(frozen=True, slots=True)
class WriteResult:
    incident_id: int | None
    duplicate: bool


class WriterOverloaded(Exception):
    """The queue is full: answer 429 and let the client back off."""


class WriterUnavailable(Exception):
    """The database is unreachable (or the writer stopped): answer with a retryable status."""


class EventRejected(Exception):
    """The database refused this one event; the rest of its batch was stored. The reason is
    logged with the event id, never sent to the client (it quotes database internals)."""


_Pending = tuple[Submission, "asyncio.Future[WriteResult]"]


class EventWriter:
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        batch_size: int = 500,
        batch_wait: float = 0.005,
        queue_size: int = 20_000,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self._pool = pool
        self._batch_size = batch_size
        self._batch_wait = batch_wait
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue(maxsize=queue_size)
        self._on_commit = on_commit
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._partitions_checked = 0.0

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="railguard-event-writer")

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

    async def submit(self, submission: Submission) -> WriteResult:
        if self._stopping or self._task is None or self._task.done():
            raise WriterUnavailable("the writer is not running")
        future: asyncio.Future[WriteResult] = asyncio.get_running_loop().create_future()
        try:
            self._queue.put_nowait((submission, future))
        except asyncio.QueueFull:
            raise WriterOverloaded("ingest queue is full") from None
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
                log.exception("event writer failed a batch")
                _fail_all(batch, WriterUnavailable("internal writer error"))
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            results, max_seq = await self._write_batch([sub for sub, _ in batch])
        except DATABASE_DOWN as exc:
            log.warning("database unavailable, %d events refused: %s", len(batch), exc)
            _fail_all(batch, WriterUnavailable(str(exc)))
            return
        except Exception as exc:
            # The database refused something (or shaping the rows failed on odd input). One
            # bad event must not sink its neighbours, nor serialise them: split into
            # `_SPLIT` parts and retry each, so k bad events among n cost about
            # _SPLIT·k·log_SPLIT(n) transactions, not n, and the failed attempts redo about
            # n·_SPLIT/(_SPLIT-1) rows per bad event rather than 2n with halves.
            if len(batch) > 1:
                step = -(-len(batch) // _SPLIT)
                for start in range(0, len(batch), step):
                    await self._write(batch[start : start + step])
                return
            event_id = batch[0][0].event.event_id
            if isinstance(exc, asyncpg.PostgresError):
                log.warning("event %s refused by the database: %s", event_id, exc)
            else:
                log.exception("event %s could not be written", event_id)
            _fail_all(batch, EventRejected(event_id))
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
        if max_seq is not None and self._on_commit is not None:
            self._on_commit(max_seq)

    async def _write_batch(self, subs: list[Submission]) -> tuple[list[WriteResult], int | None]:
        async with self._pool.acquire() as conn:
            await self._maybe_ensure_partitions(conn)
            async with conn.transaction():
                claimed = await _claim(conn, subs)
                fresh = _first_claims(subs, claimed)
                fresh_subs = [sub for sub, is_new in zip(subs, fresh, strict=True) if is_new]
                incident_ids: dict[tuple[int, int, str], int] = {}
                max_seq: int | None = None
                if fresh_subs:
                    fresh_subs = await _map_release_commits(conn, fresh_subs)
                    await queries.lock_change_feed(conn)
                    groups = aggregate(fresh_subs)
                    rows = await fetch_all(
                        queries.upsert_incidents(conn, **incident_columns(groups))
                    )
                    for r in rows:
                        incident_ids[(r["project_id"], r["grouping_version"], r["fingerprint"])] = (
                            r["id"]
                        )
                    max_seq = max(r["change_seq"] for r in rows)
                    # Alerts are decided here, in the batch's transaction (docs/alerts.md).
                    alerting = [r["id"] for r in rows if r["change_kind"] in ("new", "regressed")]
                    if alerting:
                        await queries.decide_incident_alerts(conn, incident_ids=alerting)
                    await queries.insert_events(conn, **event_columns(fresh_subs, incident_ids))
                    await count_usage(conn, fresh_subs)
                    seq = await curation.after_write(conn, rows, groups, fresh_subs, incident_ids)
                    max_seq = max(max_seq, seq or 0)
                    await queries.notify_changes(conn, seq=str(max_seq))
                usage: dict[int, int] = {}
                for sub in subs:
                    if sub.key_id is not None:
                        usage[sub.key_id] = usage.get(sub.key_id, 0) + 1
                if usage:
                    await queries.bump_key_usage(
                        conn, key_ids=list(usage), counts=list(usage.values())
                    )
        results = [
            WriteResult(incident_ids[group_key(sub)], False) if is_new else WriteResult(None, True)
            for sub, is_new in zip(subs, fresh, strict=True)
        ]
        return results, max_seq

    async def _maybe_ensure_partitions(self, conn: Executor) -> None:
        now = time.monotonic()
        if now - self._partitions_checked > _PARTITION_CHECK_EVERY:
            await queries.ensure_event_partitions(conn)
            self._partitions_checked = now


async def _claim(conn: Executor, subs: list[Submission]) -> set[tuple[int, str]]:
    rows = queries.insert_receipts(
        conn,
        project_ids=[s.project_id for s in subs],
        event_ids=[s.event.event_id for s in subs],
    )
    return {(r["project_id"], r["event_id"].hex) async for r in rows}


def _first_claims(subs: list[Submission], claimed: set[tuple[int, str]]) -> list[bool]:
    """Which submissions are new: claimed now, and the first of their id within the batch."""
    seen: set[tuple[int, str]] = set()
    fresh = []
    for sub in subs:
        key = (sub.project_id, sub.event.event_id)
        fresh.append(key in claimed and key not in seen)
        seen.add(key)
    return fresh


async def _map_release_commits(conn: Executor, subs: list[Submission]) -> list[Submission]:
    wanted = [s for s in subs if s.event.commit_sha is None and s.event.release]
    if not wanted:
        return subs
    rows = await fetch_all(
        queries.release_commits(
            conn,
            project_ids=[s.project_id for s in wanted],
            versions=[s.event.release for s in wanted],
        )
    )
    mapping = {(r["project_id"], r["version"]): r["commit_sha"] for r in rows}
    out = []
    for sub in subs:
        sha = mapping.get((sub.project_id, sub.event.release or ""))
        if sha and sub.event.commit_sha is None:
            event = dataclasses.replace(sub.event, commit_sha=sha, commit_source="mapping")
            sub = dataclasses.replace(sub, event=event)
        out.append(sub)
    return out


def _fail_all(batch: list[_Pending], exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
