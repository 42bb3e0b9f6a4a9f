"""Reading performance data back: the routes table and a route over time from the metric rows
(never the raw spans), and a trace's waterfall (docs/performance.md#api)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from railguard.server.db import Executor, fetch_all, queries
from railguard.server.traces import histogram, ids, waterfall
from railguard.server.traces.model import is_failure
from railguard.server.traces.rows import truncate
from railguard.wire import traces as t

QS = (0.5, 0.95, 0.99)
WINDOWS = {
    "1h": timedelta(hours=1), "6h": timedelta(hours=6), "24h": timedelta(hours=24),
    "7d": timedelta(days=7), "14d": timedelta(days=14), "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}  # fmt: skip
SORTS = {
    "p95": lambda r: (r.p95_ms or 0.0, r.count),
    "p99": lambda r: (r.p99_ms or 0.0, r.count),
    "throughput": lambda r: (r.count, r.p95_ms or 0.0),
    "errors": lambda r: (r.errors, r.error_rate),
    "error_rate": lambda r: (r.error_rate, r.errors),
}
_STEP = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def resolution_for(span: timedelta) -> t.Resolution:
    """The coarsest resolution that still gives a useful chart of `span`."""
    if span <= timedelta(hours=6):
        return "minute"
    if span <= timedelta(days=14):
        return "hour"
    return "day"


def window(now: datetime, span: timedelta, resolution: t.Resolution) -> tuple[datetime, datetime]:
    """Whole buckets: from the bucket holding `now - span` up to the end of the current one."""
    return truncate(now - span, resolution), truncate(now, resolution) + _STEP[resolution]


def _minutes(since: datetime, until: datetime) -> float:
    return max((until - since).total_seconds() / 60, 1.0)


def _row(route: str, env: str, count: int, errors: int, total: float,
         hist: histogram.Histogram, minutes: float) -> t.RouteRow:  # fmt: skip
    p50, p95, p99 = histogram.quantiles(hist, QS)
    return t.RouteRow(
        route=route, environment=env, count=count, errors=errors,
        error_rate=errors / count if count else 0.0, throughput_per_min=count / minutes,
        avg_ms=total / count if count else 0.0, p50_ms=p50, p95_ms=p95, p99_ms=p99,
    )  # fmt: skip


async def routes_table(
    conn: Executor, *, project_id: int, environment: str | None, now: datetime,
    span: timedelta, sort: str, limit: int,
) -> t.RoutesTable:  # fmt: skip
    resolution = resolution_for(span)
    since, until = window(now, span, resolution)
    acc: dict[tuple[str, str], list[Any]] = {}
    async for r in queries.route_stats_window(
        conn, project_id=project_id, resolution=resolution, since=since, until=until,
        environment=environment,
    ):  # fmt: skip
        key = (r["environment"], r["route"])
        cur = acc.get(key)
        if cur is None:
            acc[key] = [r["count"], r["errors"], r["duration_sum"], [r["hist"]]]
        else:
            cur[0] += r["count"]
            cur[1] += r["errors"]
            cur[2] += r["duration_sum"]
            cur[3].append(r["hist"])
    minutes = _minutes(since, until)
    rows = [
        _row(route, env, c, e, s, histogram.merge_packed(h), minutes)
        for (env, route), (c, e, s, h) in acc.items()
    ]
    rows.sort(key=SORTS[sort], reverse=True)
    return t.RoutesTable(since=since, until=until, resolution=resolution,
                         relative_error=histogram.RELATIVE_ERROR, items=rows[:limit])  # fmt: skip


async def route_detail(
    conn: Executor, *, project_id: int, route: str, environment: str | None, now: datetime,
    span: timedelta, resolution: t.Resolution | None,
) -> t.RouteDetail:  # fmt: skip
    res = resolution or resolution_for(span)
    since, until = window(now, span, res)
    step_minutes = _STEP[res].total_seconds() / 60
    series = []
    for r in await fetch_all(queries.route_series(
        conn, project_id=project_id, resolution=res, route=route, since=since, until=until,
        environment=environment,
    )):  # fmt: skip
        hist = histogram.merge_packed([int(v) for v in text.split(",") if v] for text in r["hists"])
        row = _row(route, "", r["count"], r["errors"], r["duration_sum"], hist, step_minutes)
        series.append(t.RoutePoint(at=r["bucket"], **row.model_dump(
            include={"count", "errors", "throughput_per_min", "avg_ms", "p50_ms", "p95_ms",
                     "p99_ms"})))  # fmt: skip
    total_ms = sum(p.avg_ms * p.count for p in series)
    hour_since = truncate(since, "hour")
    groups = [
        t.SpanGroup(
            op=g["op"],
            description=g["description"],
            count=g["count"],
            total_ms=g["total_ms"],
            avg_ms=g["total_ms"] / max(g["count"], 1),
            share=g["total_ms"] / total_ms if total_ms else 0.0,
        )  # fmt: skip
        for g in await fetch_all(
            queries.route_span_groups(
                conn,
                project_id=project_id,
                route=route,
                since=hour_since,
                until=until,
                environment=environment,
                limit=20,
            )
        )  # fmt: skip
    ]
    snaps = [
        t.SnapshotRef(
            trace_id=s["trace_id"].hex,
            span_id=ids.span_hex(s["span_id"]),
            started_at=s["started_at"],
            duration_ms=s["duration_ms"],
            status=s["status"],
            failed=s["failed"],
            environment=s["environment"],
        )  # fmt: skip
        for s in await fetch_all(
            queries.route_snapshots(
                conn,
                project_id=project_id,
                route=route,
                since=since,
                until=until,
                environment=environment,
                limit=20,
            )
        )  # fmt: skip
    ]
    return t.RouteDetail(route=route, environment=environment, since=since, until=until,
                         resolution=res, relative_error=histogram.RELATIVE_ERROR, series=series,
                         span_groups=groups, snapshots=snaps)  # fmt: skip


async def trace(conn: Executor, *, project_id: int, trace_hex: str) -> t.Waterfall | None:
    trace_uuid = uuid.UUID(hex=trace_hex)
    items: list[dict[str, Any]] = []
    for r in await fetch_all(queries.trace_transactions(conn, project_id=project_id,
                                                        trace_id=trace_uuid)):  # fmt: skip
        items.append({
            "kind": "transaction", "span_id": ids.span_hex(r["span_id"]),
            "parent_span_id": _hex(r["parent_span_id"]), "op": r["op"], "name": r["route"],
            "status": r["status"], "failed": r["failed"], "started_at": r["started_at"],
            "duration_ms": r["duration_ms"], "snapshot": r["snapshot"],
            "environment": r["environment"], "release": r["release"],
        })  # fmt: skip
    for r in await fetch_all(queries.trace_spans(conn, project_id=project_id,
                                                 trace_id=trace_uuid)):  # fmt: skip
        items.append({
            "kind": "span", "span_id": ids.span_hex(r["span_id"]),
            "parent_span_id": _hex(r["parent_span_id"]), "op": r["op"],
            "name": r["description"], "status": r["status"],
            "failed": is_failure(r["status"]),
            "started_at": r["started_at"], "duration_ms": r["duration_ms"], "data": r["data"],
        })  # fmt: skip
    errors = [
        {
            "event_id": e["event_id"].hex,
            "incident_id": e["incident_id"],
            "occurred_at": e["occurred_at"],
            "error_type": e["error_type"],
            "message": e["message"],
            "level": e["level"],
            "span_id": e["span_id"],
        }  # fmt: skip
        for e in await fetch_all(
            queries.trace_errors(conn, project_id=project_id, trace_id=trace_hex)
        )  # fmt: skip
    ]
    if not items and not errors:
        return None
    return waterfall.build(trace_hex, items, errors)


def _hex(value: int | None) -> str | None:
    return ids.span_hex(value) if value is not None else None
