"""An incident's events for people: pages of events newest first, and one event's payload."""

from __future__ import annotations

import uuid
from datetime import datetime

from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Invalid, NotFound
from railguard.wire import models as w


def _event(row: object) -> w.IncidentEvent:
    data = dict(row)  # type: ignore[call-overload]
    return w.IncidentEvent.model_validate({**data, "event_id": data["event_id"].hex})


async def event_page(
    db: Executor, *, incident_id: int, before: datetime | None, limit: int
) -> w.EventPage:
    rows = await fetch_all(
        queries.event_page(db, incident_id=incident_id, before=before, limit=limit + 1)
    )
    items = [_event(r) for r in rows[:limit]]
    more = len(rows) > limit
    return w.EventPage(items=items, next_before=items[-1].received_at if more else None)


async def event_detail(db: Executor, *, incident_id: int, event_id: str) -> w.EventDetail:
    try:
        ident = uuid.UUID(hex=event_id)
    except ValueError as exc:
        raise Invalid("event_id must be 32 hexadecimal characters.") from exc
    row = await queries.event_payload(db, incident_id=incident_id, event_id=ident)
    if row is None:
        raise NotFound("No such event.")
    base = _event({k: row[k] for k in row.keys() if k != "payload"})
    return w.EventDetail(**base.model_dump(), payload=row["payload"])
