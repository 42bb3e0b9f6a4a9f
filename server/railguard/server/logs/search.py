"""Log search: filters from query parameters, keyset cursors, and the logs of an incident's
traces. Text matches whole words (full-text) or any part of the body (trigram ILIKE)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Invalid, NotFound
from railguard.server.incidents import in_utc
from railguard.server.logs.records import LEVELS, hex_id
from railguard.wire import telemetry as t


@dataclass(frozen=True)
class LogFilters:
    q: str = ""
    levels: tuple[str, ...] = ()
    trace_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: tuple[datetime, int] | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def encode_cursor(occurred_at: datetime, log_id: int) -> str:
    return base64.urlsafe_b64encode(f"{occurred_at.isoformat()}|{log_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        when, _, raw_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        at, log_id = datetime.fromisoformat(when), int(raw_id)
    except (ValueError, UnicodeError) as exc:
        raise Invalid("before is not a cursor this server gave.") from exc
    if at.tzinfo is None or not 0 <= log_id < 2**63:
        raise Invalid("before is not a cursor this server gave.")
    return at, log_id


def parse_time(query: Mapping[str, str], name: str) -> datetime | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"{name} must be an ISO 8601 date or time.") from exc
    return in_utc(when if when.tzinfo else when.replace(tzinfo=UTC), name)


def parse_filters(query: Mapping[str, str]) -> LogFilters:
    """Filters from query parameters (the same names in the page and the API); 422 if bad."""
    levels = tuple(x for x in query.get("level", "").split(",") if x)
    if not set(levels) <= set(LEVELS):
        raise Invalid(f"level must be among {list(LEVELS)}.")
    raw_trace = query.get("trace_id", "").strip()
    trace_id = hex_id(raw_trace, 32) if raw_trace else None
    if raw_trace and trace_id is None:
        raise Invalid("trace_id must be 32 hex digits.")
    before = query.get("before", "").strip()
    return LogFilters(
        q=query.get("q", "").replace("\x00", "").strip()[:200],
        levels=levels,
        trace_id=trace_id,
        since=parse_time(query, "since"),
        until=parse_time(query, "until"),
        before=decode_cursor(before) if before else None,
    )


def entry(row: Any) -> t.LogEntry:
    return t.LogEntry.model_validate(dict(row))


async def search(db: Executor, project_id: int, filters: LogFilters, limit: int) -> t.LogPage:
    rows = await fetch_all(
        queries.search_logs(
            db, project_id=project_id, q=filters.q or None,
            like=_like_escape(filters.q) if filters.q else None,
            levels=list(filters.levels) or None, trace_id=filters.trace_id,
            since=filters.since, until=filters.until,
            before_at=filters.before[0] if filters.before else None,
            before_id=filters.before[1] if filters.before else None, limit=limit + 1,
        )
    )  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1]["occurred_at"], rows[-1]["id"]) if more else None
    return t.LogPage(items=[entry(r) for r in rows], next=cursor)


async def incident_logs(
    db: Executor, *, user_id: int, incident_id: int, limit: int
) -> list[t.LogEntry]:
    """The logs sharing a trace with the incident's latest events (404: not the user's)."""
    incident = await queries.get_incident_for_user(db, user_id=user_id, incident_id=incident_id)
    if incident is None:
        raise NotFound("No such incident.")
    traces = [r["trace_id"] for r in await fetch_all(
        queries.incident_trace_ids(db, incident_id=incident_id, events=100))]  # fmt: skip
    if not traces:
        return []
    rows = await fetch_all(
        queries.logs_of_traces(db, project_id=incident["project_id"], trace_ids=traces, limit=limit)
    )
    return [entry(r) for r in rows]


async def discarded(db: Executor, project_id: int, days: int) -> list[t.DiscardedCount]:
    rows = await fetch_all(queries.discarded_counts(db, project_id=project_id, days=days))
    return [t.DiscardedCount.model_validate(dict(r)) for r in rows]
