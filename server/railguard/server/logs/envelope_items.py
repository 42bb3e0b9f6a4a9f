"""Envelope items other than errors and performance data: what each type becomes
(docs/logs-and-health.md).

`log` / `otel_log` items become log records; `client_report` items become the SDK's own
discarded counts; every type no module stores is counted as discarded by the server, so nothing
is dropped without a trace. Types stored by other modules (`event`, `transaction`, `span`) are
left to them. Sorting is pure; `store` hands the result to the writer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from railguard.server.crons.store import store_checkins
from railguard.server.db import DATABASE_DOWN
from railguard.server.errors import BadRequest
from railguard.server.ingest.envelope import EnvelopeItem
from railguard.server.logs.records import LogRecord, sentry_log_item
from railguard.server.logs.runtime import TELEMETRY_WRITER
from railguard.server.logs.writer import (
    Discard,
    TelemetryBatch,
    TelemetryRejected,
    TelemetryUnavailable,
)
from railguard.server.pipeline.writer import EventRejected, WriterOverloaded, WriterUnavailable
from railguard.server.release_health.store import store_sessions

# Stored elsewhere (errors; transactions and spans).
HANDLED_ELSEWHERE = frozenset({"event", "transaction", "span"})
LOG_TYPES = frozenset({"log", "otel_log"})
NOT_SUPPORTED = "not_supported"
INVALID = "invalid"


@dataclass
class Sorted:
    logs: list[LogRecord] = field(default_factory=list)
    discards: list[Discard] = field(default_factory=list)
    others: dict[str, list[EnvelopeItem]] = field(default_factory=dict)


def _quantity(item: EnvelopeItem) -> int:
    count = item.headers.get("item_count")
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1


def client_report(payload: bytes) -> list[Discard]:
    """An SDK's `client_report`: what it dropped itself, by reason and category."""
    try:
        data: Any = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise BadRequest("invalid JSON in a client_report item") from None
    entries = data.get("discarded_events") if isinstance(data, dict) else None
    out = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        qty, reason, category = (entry.get(k) for k in ("quantity", "reason", "category"))
        if isinstance(qty, int) and not isinstance(qty, bool) and 0 < qty < 2**40:
            out.append(Discard("client", str(category or "unknown"), str(reason or "unknown"), qty))
    return out


def sort_items(
    items: Iterable[EnvelopeItem], received_at: datetime, *, stored_types: frozenset[str]
) -> Sorted:
    """Split an envelope's items: log records, discarded counts, and the items of the
    `stored_types` other modules take (by type)."""
    out = Sorted()
    for item in items:
        kind = item.type or "unknown"
        if kind in HANDLED_ELSEWHERE:
            continue
        if kind in stored_types:
            out.others.setdefault(kind, []).append(item)
            continue
        try:
            if kind in LOG_TYPES:
                out.logs.extend(sentry_log_item(item.payload, kind, received_at))
            elif kind == "client_report":
                out.discards.extend(client_report(item.payload))
            else:
                out.discards.append(Discard("server", kind[:100], NOT_SUPPORTED, _quantity(item)))
        except BadRequest:
            # One unreadable item costs itself, not its envelope: counted, never silent.
            out.discards.append(Discard("server", kind, INVALID, _quantity(item)))
    return out


class StoreUnavailable(Exception):
    """The database is unreachable or the writer is full: the SDK should retry later."""


# Item types stored by their own module: (app, project id, items, received at) -> the items it
# could not read, as discarded counts.
ItemStore = Callable[[web.Application, int, list[EnvelopeItem], datetime], Awaitable[list[Discard]]]
STORES: dict[str, ItemStore] = {
    "session": store_sessions,
    "sessions": store_sessions,
    "check_in": store_checkins,
}


async def store(
    app: web.Application, project_id: int, items: Iterable[EnvelopeItem], received_at: datetime
) -> None:
    """Store an envelope's logs, sessions, check-ins and discarded counts; returns after
    their commit."""
    found = sort_items(items, received_at, stored_types=frozenset(STORES))
    try:
        for kind, of_kind in found.others.items():
            found.discards.extend(await STORES[kind](app, project_id, of_kind, received_at))
        await app[TELEMETRY_WRITER].submit(
            TelemetryBatch(project_id, received_at, found.logs, found.discards)
        )
    except (TelemetryUnavailable, WriterOverloaded, WriterUnavailable, *DATABASE_DOWN) as exc:
        raise StoreUnavailable(str(exc)) from None
    except (TelemetryRejected, EventRejected):
        raise BadRequest("the envelope's items could not be stored") from None
