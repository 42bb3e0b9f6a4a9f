"""The API side of what the web pages do: search across projects, assign, comments, history,
charts and events of an incident. Same domain code as the pages, same 404 for others' ids."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from railguard.server import events, incidents, search, stats, triage
from railguard.server.auth import USER, member_of
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Invalid
from railguard.server.http import int_param, json_response, parse_request, query_limit
from railguard.server.keys import POOL, SETTINGS
from railguard.wire import models as w


async def search_incidents(request: web.Request) -> web.Response:
    user = request[USER]
    if request.query.get("project_id"):
        raw = request.query["project_id"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
            raise Invalid("project_id must be a number.")
        await member_of(request, int(raw))
        scope = [int(raw)]
    else:
        scope = await search.member_project_ids(request.app[POOL], user.id)
    rows, next_cursor = await search.search(
        request.app[POOL], project_ids=scope,
        filters=search.parse_filters(request.query), cursor=request.query.get("cursor") or None,
        limit=query_limit(request, 50, 500),
    )  # fmt: skip
    base = request.app[SETTINGS].public_base
    items = [incidents.incident_model(r, base) for r in rows]
    return json_response(w.IncidentPage(items=items, next_cursor=next_cursor))


async def assign(request: web.Request) -> web.Response:
    user = request[USER]
    body = await parse_request(request, w.AssignRequest)
    result = await triage.assign(
        request.app[POOL], user_id=user.id, incident_id=int_param(request, "incident_id"),
        assignee_id=body.assignee_id,
    )  # fmt: skip
    return json_response(result)


async def bulk_action(request: web.Request) -> web.Response:
    user = request[USER]
    body = await parse_request(request, w.BulkActionRequest)
    changed = await triage.bulk_change_status(
        request.app[POOL], user_id=user.id, incident_ids=body.incident_ids, action=body.action,
        public_base=request.app[SETTINGS].public_base,
    )  # fmt: skip
    return json_response(changed)


async def list_comments(request: web.Request) -> web.Response:
    user = request[USER]
    found = await triage.list_comments(
        request.app[POOL], user_id=user.id, incident_id=int_param(request, "incident_id")
    )
    return json_response(found)


async def add_comment(request: web.Request) -> web.Response:
    user = request[USER]
    body = await parse_request(request, w.CommentCreateRequest)
    comment = await triage.add_comment(
        request.app[POOL], user_id=user.id, incident_id=int_param(request, "incident_id"),
        body=body.body,
    )  # fmt: skip
    return json_response(comment, status=201)


async def activity(request: web.Request) -> web.Response:
    user = request[USER]
    found = await triage.list_activity(
        request.app[POOL], user_id=user.id, incident_id=int_param(request, "incident_id")
    )
    return json_response(found)


async def incident_stats(request: web.Request) -> web.Response:
    user = request[USER]
    incident_id = int_param(request, "incident_id")
    await triage.visible_incident(request.app[POOL], user_id=user.id, incident_id=incident_id)
    return json_response(await stats.incident_stats(request.app[POOL], incident_id))


async def list_events(request: web.Request) -> web.Response:
    user = request[USER]
    incident_id = int_param(request, "incident_id")
    await triage.visible_incident(request.app[POOL], user_id=user.id, incident_id=incident_id)
    before = None
    if request.query.get("before"):
        try:
            before = datetime.fromisoformat(request.query["before"].replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid("before must be an ISO 8601 time.") from exc
        if before.tzinfo is None:
            raise Invalid("before must include a time zone.")
    page = await events.event_page(
        request.app[POOL],
        incident_id=incident_id,
        before=before,
        limit=query_limit(request, 20, 100),
    )
    return json_response(page)


async def get_event(request: web.Request) -> web.Response:
    user = request[USER]
    incident_id = int_param(request, "incident_id")
    await triage.visible_incident(request.app[POOL], user_id=user.id, incident_id=incident_id)
    detail = await events.event_detail(
        request.app[POOL], incident_id=incident_id, event_id=request.match_info["event"]
    )
    return json_response(detail)


_SEARCH = (
    QueryParam("project_id", "Only this project (default: every project you belong to).",
               type="integer"),
    QueryParam("status", "Comma-separated statuses (default open)."),
    QueryParam("q", "Full-text and partial-word search over type, message, file and function."),
    QueryParam("environment", "Seen in this environment."),
    QueryParam("commit", "First or latest commit starts with this SHA prefix."),
    QueryParam("path", "Top frame's file path contains this."),
    QueryParam("level", "fatal, error, warning, info or debug."),
    QueryParam("first_seen", "First seen at or after this ISO 8601 date or time."),
    QueryParam("last_seen", "Last seen at or after this ISO 8601 date or time."),
    QueryParam("sort", "last_seen (default), first_seen, events or users; always descending."),
    QueryParam("cursor", "The next_cursor of the previous page (same filters and sort)."),
    QueryParam("limit", "Page size, 1 to 500 (default 50).", type="integer"),
)  # fmt: skip
_I = "/api/v1/incidents/{incident_id}"
ENDPOINTS = [
    Endpoint("GET", "/api/v1/search/incidents", search_incidents, "search_incidents",
             "Search and filter incidents across your projects.", response=w.IncidentPage,
             errors=(400, 404, 422), query=_SEARCH),
    Endpoint("POST", "/api/v1/incidents/bulk", bulk_action, "bulk_incident_action",
             "Resolve, acknowledge, ignore or reopen many incidents (all or none).",
             request=w.BulkActionRequest, response=w.Incident, many=True, errors=(404,),
             scope="triage"),
    Endpoint("POST", _I + "/assign", assign, "assign_incident",
             "Assign an incident to a project member (null unassigns).",
             request=w.AssignRequest, response=w.Assignment, errors=(404,), scope="triage"),
    Endpoint("GET", _I + "/comments", list_comments, "list_comments",
             "An incident's comments, oldest first.", response=w.Comment, many=True,
             errors=(404,)),
    Endpoint("POST", _I + "/comments", add_comment, "add_comment", "Comment on an incident.",
             request=w.CommentCreateRequest, response=w.Comment, status=201, errors=(404,),
             scope="triage"),
    Endpoint("GET", _I + "/activity", activity, "incident_activity",
             "Status changes and assignments people made, oldest first.",
             response=w.Activity, many=True, errors=(404,)),
    Endpoint("GET", _I + "/stats", incident_stats, "incident_stats",
             "Events per hour (24 h) and per day (14 d), by environment and release.",
             response=w.IncidentStats, errors=(404,)),
    Endpoint("GET", _I + "/events", list_events, "list_incident_events",
             "An incident's events, newest first, paged by `before`.", response=w.EventPage,
             errors=(404, 422),
             query=(QueryParam("before", "next_before of the previous page."),
                    QueryParam("limit", "1 to 100 (default 20).", type="integer"))),
    Endpoint("GET", _I + "/events/{event}", get_event, "get_incident_event",
             "One event of an incident with its scrubbed payload.", response=w.EventDetail,
             errors=(404, 422)),
]  # fmt: skip
