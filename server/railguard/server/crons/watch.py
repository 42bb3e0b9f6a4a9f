"""The periodic cron-monitor pass every server runs: monitors past their deadline get `missed`
check-ins, in_progress check-ins past the max runtime become `timeout`; each failure is an
incident event first (idempotent ids), then the monitor moves on under an optimistic check, so
two processes or a retried pass never report a failure twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg

from railguard.server.crons import failures
from railguard.server.crons.schedule import deadline, missed_ticks
from railguard.server.db import fetch_all, queries
from railguard.server.pipeline.writer import EventWriter

log = logging.getLogger(__name__)
_LIMIT = 500


async def find_missed(pool: asyncpg.Pool, writer: EventWriter, now: datetime) -> int:
    count = 0
    for m in await fetch_all(queries.overdue_cron_monitors(pool, now=now, limit=_LIMIT)):
        ticks, upcoming = missed_ticks(
            m["schedule_type"], m["schedule"], m["timezone"], m["expected_at"], now,
            m["checkin_margin"],
        )  # fmt: skip
        keys = [tick.isoformat() for tick in ticks]
        await failures.report(writer, [
            failures.failure_submission(
                project_id=m["project_id"], monitor_id=m["id"], slug=m["slug"], kind="missed",
                at=tick, key=key, environment=None, release=None, received_at=now,
            ) for tick, key in zip(ticks, keys, strict=True)
        ])  # fmt: skip
        async with pool.acquire() as conn, conn.transaction():
            await queries.record_missed_checkins(
                conn, monitor_id=m["id"], now=now, expected=ticks,
                checkin_ids=[failures.failure_id(m["id"], "missed", k) for k in keys],
            )  # fmt: skip
            await queries.cron_missed(
                conn, id=m["id"], expected_at=upcoming, old_deadline=m["deadline_at"],
                deadline_at=deadline(upcoming, m["checkin_margin"]),
            )  # fmt: skip
        count += len(ticks)
    return count


async def find_timeouts(pool: asyncpg.Pool, writer: EventWriter, now: datetime) -> int:
    rows = await fetch_all(queries.timed_out_checkins(pool, now=now, limit=_LIMIT))
    for r in rows:
        await failures.report(writer, [
            failures.failure_submission(
                project_id=r["project_id"], monitor_id=r["monitor_id"], slug=r["slug"],
                kind="timeout", at=r["started_at"], key=str(r["id"]),
                environment=r["environment"], release=r["release"], received_at=now,
            )
        ])  # fmt: skip
        await queries.cron_timed_out(pool, id=r["id"], now=now)
    return len(rows)


async def check_monitors(pool: asyncpg.Pool, writer: EventWriter) -> None:
    now = datetime.now(UTC)
    missed = await find_missed(pool, writer, now)
    timed_out = await find_timeouts(pool, writer, now)
    if missed or timed_out:
        log.info("cron monitors: %d missed check-ins, %d timed out", missed, timed_out)
