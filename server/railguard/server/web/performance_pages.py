"""Performance pages: a project's routes table, one route (p95 chart, slowest span groups,
snapshots) and a trace's waterfall, drawn as SVG geometry (no script, no inline style)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from aiohttp import web

from railguard.server.errors import Invalid, NotFound
from railguard.server.keys import POOL
from railguard.server.traces import ids, read
from railguard.server.web import guard
from railguard.server.web.charts import bar_chart
from railguard.server.web.project_pages import member_project
from railguard.wire import traces as t

_WIDTH = 320  # waterfall drawing units; the SVG scales to the page


@dataclass(frozen=True)
class Row:
    item: t.WaterfallItem
    x: float
    width: float
    indent: int


def _window(request: web.Request) -> str:
    value = request.query.get("window", "24h")
    if value not in read.WINDOWS:
        raise Invalid(f"window must be one of {', '.join(read.WINDOWS)}.")
    return value


async def routes_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    window, sort = _window(request), request.query.get("sort", "p95")
    if sort not in read.SORTS:
        raise Invalid(f"sort must be one of {', '.join(read.SORTS)}.")
    table = await read.routes_table(
        request.app[POOL], project_id=project["id"], environment=None, now=datetime.now(UTC),
        span=read.WINDOWS[window], sort=sort, limit=200,
    )  # fmt: skip
    return guard.render(request, "routes.html", {
        "project": project, "table": table, "window": window, "sort": sort,
        "windows": list(read.WINDOWS), "sorts": list(read.SORTS),
        "route_link": lambda r: "routes/detail?" + urlencode({"route": r, "window": window}),
    })  # fmt: skip


async def route_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    route, window = request.query.get("route", ""), _window(request)
    if not route:
        raise Invalid("route is required.")
    detail = await read.route_detail(
        request.app[POOL], project_id=project["id"], route=route, environment=None,
        now=datetime.now(UTC), span=read.WINDOWS[window], resolution=None,
    )  # fmt: skip
    p95 = [round(p.p95_ms or 0) for p in detail.series]
    return guard.render(request, "route.html", {
        "project": project, "detail": detail, "window": window,
        "chart": bar_chart(p95, width=320, height=48),
    })  # fmt: skip


async def trace_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    trace_id = ids.trace_id(request.match_info["trace"])
    found = (
        await read.trace(request.app[POOL], project_id=project["id"], trace_hex=trace_id)
        if trace_id
        else None
    )
    if found is None:
        raise NotFound("No such trace.")
    scale = _WIDTH / max(found.duration_ms, 0.001)
    rows = [
        Row(
            i,
            round(i.offset_ms * scale, 2),
            round(max(i.duration_ms * scale, 1), 2),
            min(i.depth, 8),
        )  # fmt: skip
        for i in found.items
    ]
    return guard.render(request, "trace.html", {
        "project": project, "trace": found, "rows": rows, "width": _WIDTH,
        "snapshots": [r.item for r in rows if r.item.snapshot],
    })  # fmt: skip


_P = r"/projects/{project_id:\d+}"
ROUTES = [
    ("GET", _P + "/routes", routes_page),
    ("GET", _P + "/routes/detail", route_page),
    ("GET", _P + r"/traces/{trace}", trace_page),
]
