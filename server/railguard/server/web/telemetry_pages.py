"""Project pages for what SDKs send besides errors: log search, and the health page (release
health, cron monitors, discarded items). Another tenant's project is a 404, as everywhere."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from railguard.server.crons import store as crons
from railguard.server.keys import POOL
from railguard.server.logs import search
from railguard.server.logs.records import LEVELS
from railguard.server.release_health import store as health
from railguard.server.web import guard
from railguard.server.web.project_pages import member_project

PAGE = 50
_QUERY_KEYS = ("q", "level", "trace_id", "since", "until")


async def logs_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    query = {k: request.query.get(k, "").strip() for k in _QUERY_KEYS}
    filters = search.parse_filters(request.query)
    page = await search.search(request.app[POOL], project["id"], filters, PAGE)
    kept = {k: v for k, v in query.items() if v}
    older = f"?{urlencode({**kept, 'before': page.next})}" if page.next else None
    return guard.render(
        request, "logs.html",
        {"project": project, "query": query, "levels": LEVELS, "logs": page.items,
         "older": older},
    )  # fmt: skip


def _percent(rate: float | None) -> str:
    return "no sessions" if rate is None else f"{rate * 100:.1f} %"


async def health_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    pool = request.app[POOL]
    releases = await health.releases(pool, project["id"], 14, 50)
    return guard.render(
        request, "health.html",
        {"project": project,
         "releases": [{**r.model_dump(), "sessions_rate": _percent(r.crash_free_sessions),
                       "users_rate": _percent(r.crash_free_users)} for r in releases],
         "monitors": await crons.list_monitors(pool, project["id"]),
         "discarded": await search.discarded(pool, project["id"], 30)},
    )  # fmt: skip


_P = r"/projects/{project_id:\d+}"
ROUTES = [
    ("GET", _P + "/logs", logs_page),
    ("GET", _P + "/health", health_page),
]
