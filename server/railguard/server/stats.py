"""Event counts over time and by environment and release, for lists' sparklines and the
incident page's charts. Counts come from the events table (its `(incident_id, received_at)`
index), bucketed in UTC."""

from __future__ import annotations

from railguard.server.db import Executor
from railguard.wire import models as w

_BREAKDOWN_LIMIT = 20


async def daily_counts(
    db: Executor, incident_ids: list[int], days: int = 14
) -> dict[int, list[int]]:
    """Events per UTC day over the last `days` days (oldest first) for each incident."""
    rows = await db.fetch(
        "SELECT incident_id, ((now() AT TIME ZONE 'UTC')::date "
        "  - (received_at AT TIME ZONE 'UTC')::date) AS age, count(*) AS n "
        "FROM events WHERE incident_id = ANY ($1::bigint[]) "
        "AND received_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' "
        "  - make_interval(days => $2 - 1) "
        "GROUP BY 1, 2",
        incident_ids, days,
    )  # fmt: skip
    out = {i: [0] * days for i in incident_ids}
    for r in rows:
        if 0 <= r["age"] < days:
            out[r["incident_id"]][days - 1 - r["age"]] = r["n"]
    return out


async def hourly_counts(db: Executor, incident_id: int, hours: int = 24) -> list[int]:
    """Events per hour over the last `hours` hours, oldest first (the current hour last)."""
    rows = await db.fetch(
        "SELECT floor(extract(epoch FROM date_trunc('hour', now()) - date_trunc('hour', "
        "received_at)) / 3600)::int AS age, count(*) AS n FROM events "
        "WHERE incident_id = $1 AND received_at >= date_trunc('hour', now()) "
        "  - make_interval(hours => $2 - 1) GROUP BY 1",
        incident_id, hours,
    )  # fmt: skip
    out = [0] * hours
    for r in rows:
        if 0 <= r["age"] < hours:
            out[hours - 1 - r["age"]] = r["n"]
    return out


async def _breakdown(db: Executor, incident_id: int, column: str) -> dict[str, int]:
    rows = await db.fetch(
        f"SELECT coalesce({column}, '') AS k, count(*) AS n FROM events "
        "WHERE incident_id = $1 GROUP BY 1 ORDER BY n DESC, k LIMIT $2",
        incident_id, _BREAKDOWN_LIMIT,
    )  # fmt: skip
    return {r["k"] or "(none)": r["n"] for r in rows}


async def incident_stats(db: Executor, incident_id: int) -> w.IncidentStats:
    """Charts and breakdowns of one incident (the caller has checked it may be seen)."""
    daily = await daily_counts(db, [incident_id])
    return w.IncidentStats(
        hourly=await hourly_counts(db, incident_id),
        daily=daily[incident_id],
        environments=await _breakdown(db, incident_id, "environment"),
        releases=await _breakdown(db, incident_id, "release"),
    )
