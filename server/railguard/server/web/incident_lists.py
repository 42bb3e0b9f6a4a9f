"""Incident lists, per project and across projects: status tabs, filters, sort, search, cursor
pages, per-row sparklines, bulk status changes, and the live feed the list page listens to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from railguard.server import incidents, search, stats, triage
from railguard.server.db import queries
from railguard.server.errors import Invalid
from railguard.server.keys import POOL, SETTINGS
from railguard.server.views.live import stream_changes
from railguard.server.web import guard
from railguard.server.web.charts import bar_chart
from railguard.server.web.project_pages import member_project

PAGE_SIZE = 50
_KEEP = ("q", "environment", "commit", "path", "level", "first_seen", "last_seen", "sort")
_BULK = {"resolve", "acknowledge", "ignore", "reopen"}
_MAX_BULK = 500


def _link(query: dict[str, str], **changes: str) -> str:
    merged = {k: v for k, v in {**query, **changes}.items() if v}
    return "?" + urlencode(merged) if merged else "?"


async def _list(request: web.Request, project: dict[str, Any] | None) -> web.Response:
    session = await guard.require(request)
    filters = search.parse_filters(request.query)
    pool = request.app[POOL]
    scope = [project["id"]] if project else await search.member_project_ids(pool, session.user_id)
    rows, next_cursor = await search.search(
        pool, project_ids=scope, filters=filters, cursor=request.query.get("cursor") or None,
        limit=PAGE_SIZE,
    )  # fmt: skip
    counts = await search.status_counts(pool, project_ids=scope, filters=filters)
    daily = await stats.daily_counts(pool, [r["id"] for r in rows])
    for row in rows:
        row["title"] = incidents.title_of(row["error_type"], row["message"])
        row["chart"] = bar_chart(daily[row["id"]])
    since = await queries.max_change_seq(pool)  # the feed need not replay what is shown
    query = {k: request.query.get(k, "") for k in _KEEP}
    status = ",".join(filters.statuses)
    return guard.render(
        request, "incidents.html",
        {"project": project, "rows": rows, "counts": counts, "filters": filters,
         "query": query, "status": status, "statuses": search.STATUSES, "levels": search.LEVELS,
         "sorts": list(search.SORTS), "tab_link": lambda s: _link(query, status=s),
         "next_link": _link({**query, "status": status}, cursor=next_cursor)
         if next_cursor else None,
         "return_to": request.path_qs, "since": since, "count_cap": search.COUNT_CAP},
    )  # fmt: skip


async def all_incidents(request: web.Request) -> web.StreamResponse:
    return await _list(request, None)


async def project_incidents(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    return await _list(request, await member_project(request, session))


async def bulk_action(request: web.Request) -> web.StreamResponse:
    """Apply one action to the ticked incidents; any id the person cannot see is a 404 and
    nothing changes (every id is checked before the first change)."""
    session = await guard.require(request)
    data = await guard.form(request, session)
    action = str(data.get("action", ""))
    if action not in _BULK:
        raise Invalid(f"action must be one of {sorted(_BULK)}.")
    raw_ids = [str(v) for v in data.getall("incident", [])]
    if not raw_ids:
        raise Invalid("Tick at least one incident.")
    if len(raw_ids) > _MAX_BULK or not all(v.isascii() and v.isdigit() and len(v) < 19
                                           for v in raw_ids):  # fmt: skip
        raise Invalid("The incident list is not valid.")
    await triage.bulk_change_status(
        request.app[POOL], user_id=session.user_id, incident_ids=[int(v) for v in raw_ids],
        action=action, public_base=request.app[SETTINGS].public_base,  # type: ignore[arg-type]
    )  # fmt: skip
    raise guard.redirect(guard.safe_next(str(data.get("return_to", ""))))


async def live_feed(request: web.Request) -> web.StreamResponse:
    """The project's live feed for a signed-in browser (EventSource sends the cookie)."""
    session = await guard.require(request)
    project = await member_project(request, session)
    return await stream_changes(request, project["id"])


_P = r"/projects/{project_id:\d+}"
ROUTES = [
    ("GET", "/incidents", all_incidents),
    ("GET", _P, project_incidents),
    ("POST", "/incidents/bulk", bulk_action),
    ("GET", _P + "/live", live_feed),
]
