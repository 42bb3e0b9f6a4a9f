"""Event retention and partition upkeep, run periodically by every server.

Events are range-partitioned by `received_at`, one partition per UTC day (see
docs/deploy.md#retention): server-wide retention drops whole partitions, so removing a day of
events costs a catalog change, not a delete of each row. Incidents keep their counts; they are
stored on the incident, not counted from events. A project may keep its events for less time:
those rows are deleted in batches from the shared partitions. Partitions for the coming days are
created ahead, and the trash older than 30 days is purged (`trash.purge`). Every server runs
the task; a PostgreSQL advisory lock lets one pass run at a time. The same pass deletes login
failures older than a day (docs/accounts.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import asyncpg

from railguard.server import trash
from railguard.server.db import Executor, fetch_all, queries

log = logging.getLogger(__name__)

LOCK_KEY = 0x7267726574  # "rgret"; any constant, the same in every server
BATCH = 5_000
# A monthly partition left by an older schema was bounded in the session's time zone: wait a
# day past its end before dropping it.
_MONTHLY_MARGIN = timedelta(days=1)
_DAILY = re.compile(r"^events_(\d{4})(\d{2})(\d{2})$")
_MONTHLY = re.compile(r"^events_(\d{4})(\d{2})$")


@dataclass
class Report:
    """What one maintenance pass did (or `ran=False` when another server held the lock)."""

    ran: bool = True
    partitions_created: int = 0
    partitions_dropped: list[str] = field(default_factory=list)
    rows_deleted: int = 0
    login_failures_pruned: int = 0
    purged: int = 0
    source_blobs_collected: int = 0


def partition_end(name: str) -> datetime | None:
    """The exclusive upper bound of an events partition, from its name (None: not one of
    ours, e.g. the DEFAULT partition)."""
    if m := _DAILY.match(name):
        day = date(int(m[1]), int(m[2]), int(m[3]))
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    if m := _MONTHLY.match(name):
        year, month = int(m[1]), int(m[2])
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        return following + _MONTHLY_MARGIN
    return None


def droppable(names: Sequence[str], cutoff: datetime) -> list[str]:
    """The partitions holding only events received before `cutoff`."""
    return [n for n in names if (end := partition_end(n)) is not None and end <= cutoff]


def project_cutoffs(
    projects: Sequence[tuple[int, int]], now: datetime, global_days: int
) -> dict[int, datetime]:
    """Projects whose own retention is shorter than the server-wide one: id -> cutoff."""
    return {
        project_id: now - timedelta(days=days)
        for project_id, days in projects
        if global_days == 0 or days < global_days
    }


async def _drain(delete: object, conn: Executor, **params: object) -> int:
    total = 0
    while True:
        status = await delete(conn, batch=BATCH, **params)  # type: ignore[operator]
        count = int(str(status).rsplit(" ", 1)[-1]) if status else 0
        total += count
        if count < BATCH:
            return total


async def run_once(pool: asyncpg.Pool, *, retention_days: int, ahead_days: int) -> Report:
    """One pass: create the coming days' partitions, then apply retention."""
    async with pool.acquire() as conn:
        if not await queries.try_maintenance_lock(conn, key=LOCK_KEY):
            return Report(ran=False)
        try:
            return await _pass(conn, retention_days, ahead_days)
        finally:
            await queries.maintenance_unlock(conn, key=LOCK_KEY)


async def _pass(conn: Executor, retention_days: int, ahead_days: int) -> Report:
    report = Report()
    now: datetime = await queries.database_now(conn)
    today = now.astimezone(UTC).date()
    report.partitions_created = await queries.ensure_daily_partitions(
        conn, from_day=today, days=ahead_days
    )
    if retention_days:
        cutoff = now - timedelta(days=retention_days)
        names = [r["name"] for r in await fetch_all(queries.event_partitions(conn))]
        for name in droppable(names, cutoff):
            await queries.drop_event_partition(conn, name=name)
            report.partitions_dropped.append(name)
        report.rows_deleted += await _drain(
            queries.delete_default_events_before, conn, cutoff=cutoff
        )
        await _drain(queries.delete_receipts_before, conn, cutoff=cutoff)
    rows = [
        (r["id"], r["retention_days"])
        for r in await fetch_all(queries.projects_with_retention(conn))
    ]
    for project_id, cutoff in project_cutoffs(rows, now, retention_days).items():
        report.rows_deleted += await _drain(
            queries.delete_project_events_before, conn, project_id=project_id, cutoff=cutoff
        )
    report.login_failures_pruned = await queries.prune_login_failures(conn)
    # Sign-in leftovers: finished or abandoned device codes and provider sign-ins.
    await queries.prune_device_authorizations(conn)
    await queries.prune_sso_states(conn)
    report.purged = await trash.purge(conn, now)
    report.source_blobs_collected = await _collect_source_blobs(conn)
    if report.partitions_created or report.partitions_dropped or report.rows_deleted:
        log.info(
            "maintenance: %d partitions created, %d dropped (%s), %d old events deleted",
            report.partitions_created, len(report.partitions_dropped),
            ", ".join(report.partitions_dropped) or "none", report.rows_deleted,
        )  # fmt: skip
    return report


async def _collect_source_blobs(conn: Executor) -> int:
    """Source map contents no file names any more (their release or project went, a trashed
    project was purged), and sentry-cli chunks never assembled (docs/source-maps.md)."""
    await queries.prune_upload_chunks(conn)
    try:
        count: int = await queries.collect_source_blobs(conn)
    except asyncpg.ForeignKeyViolationError:  # an upload named one meanwhile: the next pass
        return 0
    return count


@contextlib.asynccontextmanager
async def periodic(
    pool: asyncpg.Pool, *, retention_days: int, ahead_days: int, interval: float
) -> AsyncIterator[asyncio.Task[None]]:
    """Run a pass now and every `interval` seconds until the context ends."""

    async def loop() -> None:
        while True:
            try:
                await run_once(pool, retention_days=retention_days, ahead_days=ahead_days)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("maintenance pass failed (retrying in %.0f s): %s", interval, exc)
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="railguard-maintenance")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
