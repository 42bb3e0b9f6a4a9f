"""Wire types of logs, release health, cron monitors and discarded items."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from railguard.wire.models import Response

LogLevel = Literal["trace", "debug", "info", "warn", "error", "fatal"]


class LogEntry(Response):
    id: int
    occurred_at: datetime
    received_at: datetime
    level: LogLevel
    severity_number: int | None
    body: str
    trace_id: str | None
    span_id: str | None
    environment: str | None
    release: str | None
    logger: str | None
    source: Literal["sentry", "otlp"]
    attributes: dict[str, Any]


class LogPage(Response):
    """Newest first; pass `next` as `before` for the following page (null: no more)."""

    items: list[LogEntry]
    next: str | None


class DiscardedCount(Response):
    """Items received and not kept over the period: `origin` server (`not_supported`,
    `invalid`) or client (what the SDK reported dropping, with its reason)."""

    origin: Literal["server", "client"]
    category: str
    reason: str
    quantity: int


class ReleaseHealth(Response):
    """A release in one environment over the period: sessions started and how they ended
    (each in exactly one of exited, errored, crashed, abnormal), distinct users, and the
    shares of sessions and users without a crash (null: none yet)."""

    release: str
    environment: str
    started: int
    exited: int
    errored: int
    crashed: int
    abnormal: int
    users: int
    crashed_users: int
    crash_free_sessions: float | None
    crash_free_users: float | None
    last_hour: datetime


class SessionHour(Response):
    hour: datetime
    environment: str
    started: int
    exited: int
    errored: int
    crashed: int
    abnormal: int


CronStatus = Literal["pending", "ok", "error", "missed", "timeout"]


class CronMonitor(Response):
    """A cron monitor, created by the first check-in carrying its `monitor_config`. `deadline_at`
    is when the next check-in counts as missed (the next scheduled time plus the margin)."""

    id: int
    project_id: int
    slug: str
    schedule_type: Literal["crontab", "interval"]
    schedule: str
    timezone: str
    checkin_margin: int
    max_runtime: int
    status: CronStatus
    last_checkin_at: datetime | None
    expected_at: datetime | None
    deadline_at: datetime | None
    created_at: datetime


class CronCheckIn(Response):
    id: int
    checkin_id: str
    status: Literal["in_progress", "ok", "error", "missed", "timeout"]
    duration_ms: float | None
    environment: str | None
    release: str | None
    started_at: datetime
    updated_at: datetime
