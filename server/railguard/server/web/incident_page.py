"""The incident page: what happened, where in the code, how often, to whom; and the forms
people triage with (status, assignee, comments). Editor links land here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from railguard.server import events, incidents, merges, projects, similar, stats, triage
from railguard.server.db import queries
from railguard.server.errors import Invalid
from railguard.server.http import int_param
from railguard.server.keys import POOL, SETTINGS
from railguard.server.logs import search as log_search
from railguard.server.web import guard, links
from railguard.server.web.charts import bar_chart

EVENTS_PER_PAGE = 20
_ACTIVITY_WORDS = {"merged": "merged this into", "merged_in": "merged in",
                   "unmerged": "unmerged this from", "unmerged_out": "unmerged"}  # fmt: skip
_PAYLOAD_SECTIONS = ("request", "user", "tags", "contexts", "breadcrumbs", "extra")


def _pretty(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def _frames(row: dict[str, Any], repository: str) -> list[dict[str, Any]]:
    """Crash frame first, each with its repository link and numbered context lines."""
    commit = row["latest_commit"]
    out = []
    for frame in reversed(row["latest_stack"] or []):
        line = frame.get("line")
        pre, post = frame.get("pre_context") or [], frame.get("post_context") or []
        lines = []
        if line is not None and frame.get("context_line") is not None:
            start = line - len(pre)
            texts = [*pre, frame["context_line"], *post]
            lines = [(start + i, text, start + i == line) for i, text in enumerate(texts)]
        url = links.source_url(repository, commit, frame.get("path"), line)
        out.append({**frame, "lines": lines, "source_url": url})
    return out


def _before(request: web.Request) -> datetime | None:
    raw = request.query.get("before", "")
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid("before must be an ISO 8601 time.") from exc
    if when.tzinfo is None:
        raise Invalid("before must include a time zone.")
    return when


async def incident_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    pool = request.app[POOL]
    incident_id = int_param(request, "incident_id")
    row = dict(await triage.visible_incident(pool, user_id=session.user_id,
                                             incident_id=incident_id))  # fmt: skip
    project = await queries.get_project(pool, project_id=row["project_id"], user_id=session.user_id)
    facts = await stats.incident_stats(pool, incident_id)
    page = await events.event_page(pool, incident_id=incident_id, before=_before(request),
                                   limit=EVENTS_PER_PAGE)  # fmt: skip
    event = None
    if request.query.get("event"):
        detail = await events.event_detail(pool, incident_id=incident_id,
                                           event_id=request.query["event"])  # fmt: skip
        sections = [(k, _pretty(detail.payload[k])) for k in _PAYLOAD_SECTIONS
                    if detail.payload.get(k)]  # fmt: skip
        event = {"detail": detail, "sections": sections, "raw": _pretty(detail.payload)}
    top = row.get("top_frame") or {}
    path, line = top.get("path"), top.get("line")
    return guard.render(
        request, "incident.html",
        {"incident": row, "project": dict(project) if project else {},
         "title": incidents.title_of(row["error_type"], row["message"]),
         "frames": _frames(row, project["repository"] if project else ""),
         "hourly": bar_chart(facts.hourly, width=240, height=48),
         "daily": bar_chart(facts.daily, width=240, height=48), "facts": facts,
         "events": page, "event": event,
         "logs": await log_search.incident_logs(pool, user_id=session.user_id,
                                                incident_id=incident_id, limit=20),
         "members": await projects.list_members(pool, row["project_id"]),
         "comments": await triage.list_comments(pool, user_id=session.user_id,
                                                incident_id=incident_id),
         "activity": await triage.list_activity(pool, user_id=session.user_id,
                                                incident_id=incident_id),
         "merged": await merges.merged_sources(pool, user_id=session.user_id,
                                               incident_id=incident_id),
         "similar": [] if row["merged_into"] else await similar.similar_incidents(
             pool, user_id=session.user_id, incident_id=incident_id,
             public_base=request.app[SETTINGS].public_base),
         "activity_words": _ACTIVITY_WORDS, "activity_links": _ACTIVITY_WORDS,
         "vscode_url": links.vscode_url(project["repository"], path, line, incident_id)
         if project and path else None,
         "neovim_command": links.neovim_command(path, line, incident_id) if path else None},
    )  # fmt: skip


async def change_status(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    incident_id = int_param(request, "incident_id")
    data = await guard.form(request, session)
    action = str(data.get("action", ""))
    if action not in {"resolve", "acknowledge", "ignore", "reopen"}:
        raise Invalid("action must be resolve, acknowledge, ignore or reopen.")
    await incidents.change_status(
        request.app[POOL], user_id=session.user_id, incident_id=incident_id,
        action=action, commit=None, public_base=request.app[SETTINGS].public_base,  # type: ignore[arg-type]
    )  # fmt: skip
    raise guard.redirect(f"/incidents/{incident_id}")


async def assign(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    incident_id = int_param(request, "incident_id")
    data = await guard.form(request, session)
    raw = str(data.get("assignee_id", ""))
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        raise Invalid("Choose a member to assign.")
    await triage.assign(request.app[POOL], user_id=session.user_id, incident_id=incident_id,
                        assignee_id=int(raw) if raw else None)  # fmt: skip
    raise guard.redirect(f"/incidents/{incident_id}")


async def comment(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    incident_id = int_param(request, "incident_id")
    data = await guard.form(request, session)
    body = str(data.get("body", "")).strip()
    if not 1 <= len(body) <= 10_000:
        raise Invalid("A comment needs 1 to 10,000 characters.")
    await triage.add_comment(request.app[POOL], user_id=session.user_id,
                             incident_id=incident_id, body=body)  # fmt: skip
    raise guard.redirect(f"/incidents/{incident_id}#comments")


_I = r"/incidents/{incident_id:\d+}"
ROUTES = [
    ("GET", _I, incident_page),
    ("POST", _I + "/status", change_status),
    ("POST", _I + "/assign", assign),
    ("POST", _I + "/comments", comment),
]
