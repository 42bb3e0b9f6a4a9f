"""Housekeeping every server process runs: heartbeat partitions created ahead and dropped past
retention, old rollups deleted, and monitors without fresh results marked unknown. Each step is
idempotent; partition DDL runs under a transaction advisory lock so processes take turns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from railguard.server.db import queries

log = logging.getLogger(__name__)

_PARTITION_LOCK = 0x75707469  # "upti": any constant shared by every process
_DAYS_AHEAD = 3
ROLLUP_KEEP = timedelta(days=35)  # the longest statistics window is 30 days


async def maintain_partitions(pool: asyncpg.Pool, retention_days: int) -> None:
    today = datetime.now(UTC).date()
    async with pool.acquire() as conn, conn.transaction():
        if not await queries.try_xact_lock(conn, key=_PARTITION_LOCK):
            return  # another process is at it
        await queries.ensure_heartbeat_partitions(
            conn, from_day=today - timedelta(days=1), days=_DAYS_AHEAD + 2
        )
        dropped = await queries.drop_heartbeat_partitions(
            conn, before=today - timedelta(days=retention_days)
        )
        if dropped:
            log.info("uptime: dropped %d heartbeat partitions past retention", dropped)
        await queries.delete_old_rollups(conn, keep=ROLLUP_KEEP)


async def mark_stale(pool: asyncpg.Pool, agent_offline_after: float) -> int:
    count: int = await queries.mark_stale_unknown(
        pool, grace=1.0, agent_offline_after=agent_offline_after
    )
    return count


class Maintenance:
    """Runs `mark_stale` every `every` seconds and the partition work hourly."""

    def __init__(
        self, pool: asyncpg.Pool, *, retention_days: int, agent_offline_after: float, every: float
    ) -> None:
        self._pool = pool
        self._retention_days = retention_days
        self._offline_after = agent_offline_after
        self._every = every
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="uptime-maintenance")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        last_partitions = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                if loop.time() - last_partitions >= 3600 or last_partitions == 0.0:
                    await maintain_partitions(self._pool, self._retention_days)
                    last_partitions = loop.time()
                await mark_stale(self._pool, self._offline_after)
            except (asyncpg.PostgresError, OSError):
                log.warning("uptime: maintenance failed; retrying", exc_info=True)
            await asyncio.sleep(self._every)
