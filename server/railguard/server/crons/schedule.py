"""Pure cron-monitor logic: reading check-in items and `monitor_config`, and when the next
check-in is due (docs/logs-and-health.md). Crontab schedules are computed by `croniter` in the
monitor's time zone; intervals are added to the last check-in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from croniter import croniter

from railguard.server.errors import BadRequest

STATUSES = ("in_progress", "ok", "error")
UNITS = {"minute": 1, "hour": 60, "day": 1440, "week": 10080, "month": 43200, "year": 525600}
MAX_INTERVAL = 10 * 525600  # minutes: a schedule sparser than once in ten years is a typo
DEFAULT_MARGIN = 1  # minutes
DEFAULT_MAX_RUNTIME = 30  # minutes


@dataclass(frozen=True)
class MonitorConfig:
    schedule_type: str  # crontab | interval
    schedule: str  # the crontab expression, or "<n> <unit>"
    timezone: str = "UTC"
    checkin_margin: int = DEFAULT_MARGIN
    max_runtime: int = DEFAULT_MAX_RUNTIME


@dataclass(frozen=True)
class CheckIn:
    checkin_id: uuid.UUID
    slug: str
    status: str
    duration_ms: float | None
    environment: str | None
    release: str | None
    config: MonitorConfig | None


def _minutes(value: Any, default: int, low: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= 10**6:
        raise BadRequest("checkin_margin and max_runtime must be minutes")
    return int(value)


def monitor_config(raw: Any) -> MonitorConfig:
    """A `monitor_config` object; anything unusable is a `BadRequest` naming the field."""
    if not isinstance(raw, dict) or not isinstance(raw.get("schedule"), dict):
        raise BadRequest("monitor_config needs a schedule")
    schedule = raw["schedule"]
    kind, value = schedule.get("type"), schedule.get("value")
    if kind == "crontab":
        if not isinstance(value, str) or len(value) > 100 or not croniter.is_valid(value):
            raise BadRequest("schedule.value is not a crontab expression")
        text = " ".join(value.split())
    elif kind == "interval":
        unit = schedule.get("unit")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**6:
            raise BadRequest("an interval schedule needs a positive integer value")
        if unit not in UNITS:
            raise BadRequest(f"schedule.unit must be one of {list(UNITS)}")
        if value * UNITS[unit] > MAX_INTERVAL:
            raise BadRequest("an interval schedule must be at most ten years")
        text = f"{value} {unit}"
    else:
        raise BadRequest("schedule.type must be crontab or interval")
    tz = raw.get("timezone") or "UTC"
    try:
        ZoneInfo(tz) if isinstance(tz, str) and len(tz) < 64 else ZoneInfo("")
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest("timezone is not an IANA time zone") from None
    try:  # a valid expression may never match (the 30th of February)
        next_expected(kind, text, tz, datetime.now(UTC))
    except (ValueError, OverflowError, KeyError):
        raise BadRequest("the schedule never comes round") from None
    return MonitorConfig(
        schedule_type=kind, schedule=text, timezone=tz,
        checkin_margin=_minutes(raw.get("checkin_margin"), DEFAULT_MARGIN, 0),
        max_runtime=_minutes(raw.get("max_runtime"), DEFAULT_MAX_RUNTIME, 1),
    )  # fmt: skip


def _text(value: Any, cap: int = 200) -> str | None:
    return value.replace("\x00", "")[:cap] if isinstance(value, str) and value else None


def parse_checkin(payload: bytes) -> CheckIn:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise BadRequest("invalid JSON in a check_in item") from None
    if not isinstance(data, dict):
        raise BadRequest("a check_in item is not a JSON object")
    slug = data.get("monitor_slug")
    if not isinstance(slug, str) or not 1 <= len(slug) <= 100 or "\x00" in slug:
        raise BadRequest("monitor_slug is missing")
    status = data.get("status")
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {list(STATUSES)}")
    try:
        checkin_id = uuid.UUID(str(data.get("check_in_id")))
    except ValueError:
        raise BadRequest("check_in_id is not a UUID") from None
    duration = data.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        duration = None
    config = data.get("monitor_config")
    return CheckIn(
        checkin_id=checkin_id, slug=slug, status=status,
        duration_ms=duration * 1000.0 if duration is not None and 0 <= duration < 1e9 else None,
        environment=_text(data.get("environment")), release=_text(data.get("release")),
        config=monitor_config(config) if config is not None else None,
    )  # fmt: skip


def next_expected(schedule_type: str, schedule: str, timezone: str, after: datetime) -> datetime:
    """The first scheduled time strictly after `after` (UTC in, UTC out)."""
    if schedule_type == "interval":
        count, unit = schedule.split()
        n = int(count)
        if unit in ("month", "year"):
            return _add_months(after, n * (12 if unit == "year" else 1))
        return after + timedelta(**{f"{unit}s": n})
    local = after.astimezone(ZoneInfo(timezone))
    found: datetime = croniter(schedule, local).get_next(datetime)
    return found.astimezone(UTC)


def _add_months(when: datetime, months: int) -> datetime:
    """The same day and time `months` later; a day past the month's end is its last day."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=when.tzinfo)
    last_day = (following - timedelta(days=1)).day
    return when.replace(year=year, month=month, day=min(when.day, last_day))


def deadline(expected: datetime, margin_minutes: int) -> datetime:
    return expected + timedelta(minutes=margin_minutes)


def missed_ticks(
    schedule_type: str,
    schedule: str,
    timezone: str,
    expected: datetime,
    now: datetime,
    margin_minutes: int,
    *,
    limit: int = 100,
) -> tuple[list[datetime], datetime]:
    """The expected times whose deadline passed by `now` (at most `limit`, oldest first), and
    the next expected time still to come."""  # fmt: skip
    missed: list[datetime] = []
    while deadline(expected, margin_minutes) <= now and len(missed) < limit:
        missed.append(expected)
        expected = next_expected(schedule_type, schedule, timezone, expected)
    while deadline(expected, margin_minutes) <= now:  # past the limit: skip ahead quietly
        expected = next_expected(schedule_type, schedule, timezone, expected)
    return missed, expected
