"""The live feed: incident changes fanned out to subscribers, driven by LISTEN/NOTIFY.

Every incident change takes a number from `incident_change_seq`, and changes commit in number
order (the writer and the actions hold one advisory lock while numbering). The hub keeps a cursor,
reads `incidents WHERE change_seq > cursor` when poked (by this process's writer, or by a NOTIFY
from any process), and hands each change to the subscribers of its project. A subscriber that
falls behind is closed; it reconnects with its last seq and catches up from the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import asyncpg

from railguard.server.db import DATABASE_DOWN, fetch_all, queries

log = logging.getLogger(__name__)

CHANNEL = "railguard_changes"
_PAGE = 1000


class Subscription:
    """One client's bounded queue of incident rows. `closed` is set when it fell behind or the
    server is shutting down; a `None` in the queue wakes a reader waiting for the next row."""

    def __init__(self, project_id: int, maxsize: int = 1000) -> None:
        self.project_id = project_id
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=maxsize)
        self.closed = asyncio.Event()

    def offer(self, row: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(row)
        except asyncio.QueueFull:
            self.closed.set()

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


class LiveHub:
    def __init__(self, pool: asyncpg.Pool, database_url: str, *, retry_delay: float = 1.0) -> None:
        self._pool = pool
        self._url = database_url
        self._retry_delay = retry_delay
        self._subs: dict[int, set[Subscription]] = defaultdict(set)
        self._cursor = 0
        # Highest seq poked with a number; `_unknown` when a poke came without one.
        self._target = 0
        self._unknown = False
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.listening = asyncio.Event()

    async def start(self) -> None:
        self._cursor = await queries.max_change_seq(self._pool)
        self._tasks = [
            asyncio.create_task(self._listen(), name="railguard-live-listen"),
            asyncio.create_task(self._pump(), name="railguard-live-pump"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.close_subscribers()

    def close_subscribers(self) -> None:
        """End every stream now (server shutdown); clients reconnect and resume by seq."""
        for subs in self._subs.values():
            for sub in subs:
                sub.close()

    def poke(self, seq: int | None = None) -> None:
        """Something committed (seq known or not): read the changes soon."""
        if seq is None:
            self._unknown = True
            self._wake.set()
        elif seq > self._cursor:
            self._target = max(self._target, seq)
            self._wake.set()

    def subscribe(self, project_id: int) -> Subscription:
        sub = Subscription(project_id)
        self._subs[project_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.project_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.project_id]

    async def _pump(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._subs and not self._unknown:
                # Nobody listens: skip reading the rows back (a subscriber catches up from the
                # table itself when it connects). Under ingest load this read cost a tenth of
                # the server's CPU and a query per batch.
                self._cursor = max(self._cursor, self._target)
                continue
            self._unknown = False
            try:
                while True:
                    rows = await fetch_all(
                        queries.changes_since(self._pool, since=self._cursor, limit=_PAGE)
                    )
                    for row in rows:
                        data = dict(row)
                        for sub in list(self._subs.get(data["project_id"], ())):
                            sub.offer(data)
                        self._cursor = max(self._cursor, data["change_seq"])
                    if len(rows) < _PAGE:
                        break
            except DATABASE_DOWN as exc:
                log.warning("live feed cannot read changes: %s", exc)
                await asyncio.sleep(self._retry_delay)
                self.poke()

    async def _listen(self) -> None:
        """Hold a LISTEN connection; on loss, reconnect and catch up (NOTIFYs are not replayed)."""
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._url)
                lost = asyncio.Event()
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(CHANNEL, self._on_notify)
                self.listening.set()
                self.poke()  # whatever committed while we were away
                await lost.wait()
            except asyncio.CancelledError:
                raise
            except (*DATABASE_DOWN, asyncpg.PostgresError) as exc:
                log.info("live feed listener reconnecting: %s", exc)
            finally:
                self.listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=2))
            await asyncio.sleep(self._retry_delay)

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: object) -> None:
        try:
            self.poke(int(str(payload)))
        except ValueError:
            self.poke()


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _conn: event.set()
