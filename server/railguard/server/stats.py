"""Event counts over time and by environment and release, for lists' sparklines and the
incident page's charts. Counts come from the events table (its `(incident_id, received_at)`
index), bucketed in UTC."""

from __future__ import annotations

from typing import Any

from railguard.server.db import Executor, fetch_all, queries
from railguard.wire import models as w

_BREAKDOWN_LIMIT = 20


async def daily_counts(
    db: Executor, incident_ids: list[int], days: int = 14
) -> dict[int, list[int]]:
    """Events per UTC day over the last `days` days (oldest first) for each incident."""
    rows = await fetch_all(queries.daily_event_counts(db, incident_ids=incident_ids, days=days))
    out = {i: [0] * days for i in incident_ids}
    for r in rows:
        if 0 <= r["age"] < days:
            out[r["incident_id"]][days - 1 - r["age"]] = r["n"]
    return out


async def hourly_counts(db: Executor, incident_id: int, hours: int = 24) -> list[int]:
    """Events per hour over the last `hours` hours, oldest first (the current hour last)."""
    rows = await fetch_all(queries.hourly_event_counts(db, incident_id=incident_id, hours=hours))
    out = [0] * hours
    for r in rows:
        if 0 <= r["age"] < hours:
            out[hours - 1 - r["age"]] = r["n"]
    return out


def _by_key(rows: list[Any]) -> dict[str, int]:
    return {r["k"] or "(none)": r["n"] for r in rows}


async def incident_stats(db: Executor, incident_id: int) -> w.IncidentStats:
    """Charts and breakdowns of one incident with those merged into it (the caller has
    checked it may be seen)."""
    merged = [r["id"] for r in await fetch_all(queries.merged_ids(db, incident_id=incident_id))]
    daily = await daily_counts(db, [incident_id, *merged])
    return w.IncidentStats(
        hourly=await hourly_counts(db, incident_id),
        daily=[sum(day) for day in zip(*daily.values(), strict=True)],
        environments=_by_key(
            await fetch_all(
                queries.environment_breakdown(db, incident_id=incident_id, top=_BREAKDOWN_LIMIT)
            )
        ),
        releases=_by_key(
            await fetch_all(
                queries.release_breakdown(db, incident_id=incident_id, top=_BREAKDOWN_LIMIT)
            )
        ),
    )
