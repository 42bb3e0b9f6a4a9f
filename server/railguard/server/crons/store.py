"""Check-ins from envelopes: monitors created or updated from `monitor_config`, each check-in
stored (in_progress then ok/error under one id), the monitor's next deadline computed; a failed
run becomes an incident event (`failures.py`). Reads for the API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from railguard.server.crons import failures
from railguard.server.crons.schedule import CheckIn, deadline, next_expected, parse_checkin
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import BadRequest, NotFound
from railguard.server.ingest.envelope import EnvelopeItem
from railguard.server.keys import POOL, WRITER
from railguard.server.logs.writer import Discard
from railguard.server.pipeline.batch import Submission
from railguard.wire import telemetry as t


async def _monitor(conn: Executor, project_id: int, checkin: CheckIn) -> Any:
    config = checkin.config
    if config is None:
        return await queries.cron_monitor_by_slug(conn, project_id=project_id, slug=checkin.slug)
    return await queries.upsert_cron_monitor(
        conn, project_id=project_id, slug=checkin.slug, schedule_type=config.schedule_type,
        schedule=config.schedule, timezone=config.timezone,
        checkin_margin=config.checkin_margin, max_runtime=config.max_runtime,
    )  # fmt: skip


async def store_checkins(
    app: web.Application, project_id: int, items: list[EnvelopeItem], received_at: datetime
) -> list[Discard]:
    """Store an envelope's check-ins in one transaction, then its failures as events."""
    discards: list[Discard] = []
    parsed: list[CheckIn] = []
    for item in items:
        try:
            parsed.append(parse_checkin(item.payload))
        except BadRequest:
            discards.append(Discard("server", "check_in", "invalid", 1))
    failed: list[Submission] = []
    async with app[POOL].acquire() as conn, conn.transaction():
        for checkin in parsed:
            monitor = await _monitor(conn, project_id, checkin)
            if monitor is None:  # no such monitor, and no config to create it from
                discards.append(Discard("server", "check_in", "unknown_monitor", 1))
                continue
            row = await queries.upsert_cron_checkin(
                conn, monitor_id=monitor["id"], checkin_id=checkin.checkin_id,
                status=checkin.status, duration_ms=checkin.duration_ms,
                environment=checkin.environment, release=checkin.release, at=received_at,
                timeout_at=received_at + timedelta(minutes=monitor["max_runtime"]),
            )  # fmt: skip
            expected = next_expected(
                monitor["schedule_type"], monitor["schedule"], monitor["timezone"], received_at
            )
            await queries.cron_checked_in(
                conn, id=monitor["id"],
                status="error" if checkin.status == "error" else "ok", at=received_at,
                expected_at=expected, deadline_at=deadline(expected, monitor["checkin_margin"]),
            )  # fmt: skip
            if checkin.status == "error":
                failed.append(
                    failures.failure_submission(
                        project_id=project_id, monitor_id=monitor["id"], slug=monitor["slug"],
                        kind="error", at=received_at, key=str(row["id"]),
                        environment=checkin.environment, release=checkin.release,
                        received_at=received_at,
                    )
                )  # fmt: skip
    await failures.report(app[WRITER], failed)
    return discards


def monitor_model(row: Any) -> t.CronMonitor:
    return t.CronMonitor.model_validate(dict(row))


async def list_monitors(db: Executor, project_id: int) -> list[t.CronMonitor]:
    rows = await fetch_all(queries.list_cron_monitors(db, project_id=project_id))
    return [monitor_model(r) for r in rows]


async def monitor_for_user(db: Executor, *, user_id: int, monitor_id: int) -> Any:
    row = await queries.cron_monitor_for_user(db, user_id=user_id, monitor_id=monitor_id)
    if row is None:
        raise NotFound("No such cron monitor.")
    return row


async def checkins(db: Executor, monitor_id: int, limit: int) -> list[t.CronCheckIn]:
    rows = await fetch_all(queries.list_cron_checkins(db, monitor_id=monitor_id, limit=limit))
    return [t.CronCheckIn.model_validate(dict(r)) for r in rows]
