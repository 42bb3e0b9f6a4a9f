"""Performance API for people: the routes table, a route over time, a trace's waterfall.
Members of the project only; another tenant's project or trace is a 404
(docs/performance.md#api)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from railguard.server.auth import membership
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Invalid, NotFound
from railguard.server.http import json_response, query_limit
from railguard.server.keys import POOL
from railguard.server.traces import ids, read
from railguard.wire import traces as t

_RESOLUTIONS = ("minute", "hour", "day")
_MAX_POINTS = 2_000


def _window(request: web.Request) -> timedelta:
    value = request.query.get("window", "24h")
    if value not in read.WINDOWS:
        raise Invalid(f"window must be one of {', '.join(read.WINDOWS)}.")
    return read.WINDOWS[value]


def _environment(request: web.Request) -> str | None:
    return request.query.get("environment") or None


async def routes_table(request: web.Request) -> web.Response:
    project = await membership(request)
    sort = request.query.get("sort", "p95")
    if sort not in read.SORTS:
        raise Invalid(f"sort must be one of {', '.join(read.SORTS)}.")
    table = await read.routes_table(
        request.app[POOL], project_id=project.project_id, environment=_environment(request),
        now=datetime.now(UTC), span=_window(request), sort=sort,
        limit=query_limit(request, 100, 5_000),
    )  # fmt: skip
    return json_response(table)


async def route_detail(request: web.Request) -> web.Response:
    project = await membership(request)
    route = request.query.get("route")
    if not route:
        raise Invalid("route is required (the transaction name).")
    span = _window(request)
    resolution = request.query.get("resolution") or None
    if resolution is not None and resolution not in _RESOLUTIONS:
        raise Invalid(f"resolution must be one of {', '.join(_RESOLUTIONS)}.")
    step = {"minute": 60, "hour": 3600, "day": 86400}[resolution or read.resolution_for(span)]
    if span.total_seconds() / step > _MAX_POINTS:
        raise Invalid(f"at most {_MAX_POINTS} points: choose a coarser resolution.")
    detail = await read.route_detail(
        request.app[POOL], project_id=project.project_id, route=route,
        environment=_environment(request), now=datetime.now(UTC), span=span,
        resolution=resolution,  # type: ignore[arg-type]
    )  # fmt: skip
    return json_response(detail)


async def trace_waterfall(request: web.Request) -> web.Response:
    project = await membership(request)
    trace_id = ids.trace_id(request.match_info["trace"])
    if trace_id is None:
        raise NotFound("No such trace.")
    found = await read.trace(request.app[POOL], project_id=project.project_id, trace_hex=trace_id)
    if found is None:
        raise NotFound("No such trace.")
    return json_response(found)


_P = "/api/v1/projects/{project_id}"
_ENV = QueryParam("environment", "Only this environment (default: all).")
_WIN = QueryParam("window", "1h, 6h, 24h (default), 7d, 14d, 30d or 90d.")

# fmt: off
ENDPOINTS = [
    Endpoint("GET", f"{_P}/routes", routes_table, "routes_table",
             "Routes (transaction names) with count, errors, throughput and p50/p95/p99 over a "
             "window, from per-minute/hour/day histograms.", response=t.RoutesTable,
             errors=(404, 422),
             query=(_ENV, _WIN,
                    QueryParam("sort", "p95 (default), p99, throughput, errors or error_rate."),
                    QueryParam("limit", "Rows (default 100, at most 5000).", type="integer"))),
    Endpoint("GET", f"{_P}/routes/detail", route_detail, "route_detail",
             "One route over time (chart series), its slowest span groups with their share of "
             "time, and its kept request snapshots.", response=t.RouteDetail, errors=(404, 422),
             query=(QueryParam("route", "The transaction name.", required=True), _ENV, _WIN,
                    QueryParam("resolution", "minute, hour or day (default: by window)."))),
    Endpoint("GET", f"{_P}/traces/{{trace}}", trace_waterfall, "trace_waterfall",
             "A trace as a waterfall: transactions and spans with offsets and depth, and the "
             "error events of the trace.", response=t.Waterfall, errors=(404,)),
]
# fmt: on
