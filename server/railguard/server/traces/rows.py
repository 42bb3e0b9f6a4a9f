"""Pure batch shaping for the trace writer: column arrays for the inserts and the batch's
contribution to route metrics and span groups, added up per key before the upsert."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from railguard.server.pipeline.batch import clean, json_text
from railguard.server.traces import groups, histogram, ids
from railguard.server.traces.model import Span, Transaction

RESOLUTIONS = ("minute", "hour", "day")


@dataclass(frozen=True, slots=True)
class TraceSubmission:
    """What one request brought for one project: transactions (with their spans) and spans
    whose transaction was not in the request."""

    project_id: int
    received_at: datetime
    transactions: list[Transaction]
    orphans: list[Span] = field(default_factory=list)
    snapshots: dict[int, dict[str, Any]] = field(default_factory=dict)  # index -> snapshot


def truncate(at: datetime, resolution: str) -> datetime:
    if resolution == "minute":
        return at.replace(second=0, microsecond=0)
    if resolution == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


TxKey = tuple[int, str, str]  # project, trace hex, span hex


def tx_key(project_id: int, tx: Transaction) -> TxKey:
    return (project_id, tx.trace_id, tx.span_id)


def transaction_columns(subs: list[TraceSubmission]) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in _TX_COLUMNS}
    for sub in subs:
        for index, tx in enumerate(sub.transactions):
            snapshot = sub.snapshots.get(index)
            cols["project_ids"].append(sub.project_id)
            cols["started_ats"].append(tx.started_at)
            cols["trace_ids"].append(ids.trace_uuid(tx.trace_id))
            cols["span_ids"].append(ids.span_int(tx.span_id))
            cols["parent_span_ids"].append(
                ids.span_int(tx.parent_span_id) if tx.parent_span_id else None
            )
            cols["event_ids"].append(tx.event_id)
            cols["received_ats"].append(sub.received_at)
            cols["environments"].append(clean(tx.environment))
            cols["releases"].append(clean(tx.release))
            cols["routes"].append(clean(tx.name))
            cols["ops"].append(clean(tx.op))
            cols["statuses"].append(clean(tx.status))
            cols["faileds"].append(tx.failed)
            cols["durations"].append(tx.duration_ms)
            cols["span_counts"].append(len(tx.spans))
            cols["sources"].append(tx.source)
            cols["snapshots"].append(json_text(snapshot) if snapshot is not None else None)
    return cols


_TX_COLUMNS = (
    "project_ids", "started_ats", "trace_ids", "span_ids", "parent_span_ids", "event_ids",
    "received_ats", "environments", "releases", "routes", "ops", "statuses", "faileds",
    "durations", "span_counts", "sources", "snapshots",
)  # fmt: skip


def fresh_transactions(
    subs: list[TraceSubmission], stored: set[TxKey]
) -> list[tuple[int, Transaction]]:
    """The transactions this batch stored (not re-sent ones), once each."""
    out = []
    for sub in subs:
        for tx in sub.transactions:
            key = tx_key(sub.project_id, tx)
            if key in stored:
                stored.discard(key)
                out.append((sub.project_id, tx))
    return out


def span_columns(
    fresh: list[tuple[int, Transaction]], orphans: list[tuple[int, Span]]
) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in _SPAN_COLUMNS}

    trace_uuids: dict[str, Any] = {}

    def put(project_id: int, span: Span, tx_start: datetime, segment: str | None) -> None:
        trace = trace_uuids.get(span.trace_id)
        if trace is None:
            trace = trace_uuids[span.trace_id] = ids.trace_uuid(span.trace_id)
        cols["project_ids"].append(project_id)
        cols["tx_started_ats"].append(tx_start)
        cols["trace_ids"].append(trace)
        cols["span_ids"].append(ids.span_int(span.span_id))
        cols["parent_span_ids"].append(
            ids.span_int(span.parent_span_id) if span.parent_span_id else None
        )
        cols["segment_span_ids"].append(ids.span_int(segment) if segment else None)
        cols["started_ats"].append(span.started_at)
        cols["durations"].append(span.duration_ms)
        cols["ops"].append(clean(span.op))
        cols["descriptions"].append(clean(span.description))
        cols["statuses"].append(clean(span.status))
        cols["datas"].append(json_text(span.data) if span.data else None)

    for project_id, tx in fresh:
        for span in tx.spans:
            put(project_id, span, tx.started_at, tx.span_id)
    for project_id, span in orphans:
        put(project_id, span, span.started_at, None)
    return cols


_SPAN_COLUMNS = (
    "project_ids", "tx_started_ats", "trace_ids", "span_ids", "parent_span_ids",
    "segment_span_ids", "started_ats", "durations", "ops", "descriptions", "statuses", "datas",
)  # fmt: skip


@dataclass
class _Stat:
    count: int = 0
    errors: int = 0
    total: float = 0.0
    hist: histogram.Histogram = field(default_factory=dict)


def route_stat_columns(fresh: list[tuple[int, Transaction]]) -> dict[str, list[Any]]:
    stats: dict[tuple[int, str, str, str, datetime], _Stat] = {}
    for project_id, tx in fresh:
        for resolution in RESOLUTIONS:
            key = (project_id, resolution, clean(tx.environment) or "", clean(tx.name) or "",
                   truncate(tx.started_at, resolution))  # fmt: skip
            stat = stats.get(key)
            if stat is None:
                stat = stats[key] = _Stat()
            stat.count += 1
            stat.errors += tx.failed
            stat.total += tx.duration_ms
            histogram.add(stat.hist, tx.duration_ms)
    cols: dict[str, list[Any]] = {name: [] for name in _STAT_COLUMNS}
    for key in sorted(stats):
        stat = stats[key]
        for name, value in zip(_STAT_COLUMNS[:5], key, strict=True):
            cols[name].append(value)
        cols["counts"].append(stat.count)
        cols["errors"].append(stat.errors)
        cols["sums"].append(stat.total)
        cols["hists"].append("{" + ",".join(map(str, histogram.encode(stat.hist))) + "}")
    return cols


_STAT_COLUMNS = ("project_ids", "resolutions", "environments", "routes", "buckets", "counts",
                 "errors", "sums", "hists")  # fmt: skip


def span_stat_columns(fresh: list[tuple[int, Transaction]]) -> dict[str, list[Any]]:
    """Per route and hour: count and total time of each span group. Only spans directly or
    indirectly inside a transaction count (an orphan span has no route)."""
    stats: dict[tuple[int, str, str, datetime, str, str], list[float]] = {}
    for project_id, tx in fresh:
        hour = truncate(tx.started_at, "hour")
        for span in tx.spans:
            group = groups.normalize(clean(span.description) or "")
            env, route, op = clean(tx.environment) or "", clean(tx.name) or "", clean(span.op) or ""
            key = (project_id, env, route, hour, op, group)
            acc = stats.setdefault(key, [0, 0.0])
            acc[0] += 1
            acc[1] += span.duration_ms
    cols: dict[str, list[Any]] = {name: [] for name in _GROUP_COLUMNS}
    for key in sorted(stats):
        for name, value in zip(_GROUP_COLUMNS[:6], key, strict=True):
            cols[name].append(value)
        cols["counts"].append(int(stats[key][0]))
        cols["totals"].append(stats[key][1])
    return cols


_GROUP_COLUMNS = ("project_ids", "environments", "routes", "buckets", "ops", "descriptions",
                  "counts", "totals")  # fmt: skip
