"""Incidents for editors: list (by project or repository), one with recent events, actions."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from railguard.server import incidents, projects, releases
from railguard.server.auth import USER, membership
from railguard.server.endpoints import Endpoint, Handler, QueryParam
from railguard.server.errors import Invalid, NotFound
from railguard.server.http import int_param, json_response, parse_request
from railguard.server.keys import POOL, SETTINGS
from railguard.wire import models as w
from railguard.wire.repository import InvalidRepository

_STATUSES = {"open", "acknowledged", "resolved", "ignored"}


def _filters(request: web.Request) -> dict[str, object]:
    q = request.query
    statuses = [s for s in q.get("status", "").split(",") if s] or None
    if statuses and not set(statuses) <= _STATUSES:
        raise Invalid(f"status must be among {sorted(_STATUSES)}.")
    since = None
    if q.get("since"):
        try:
            since = datetime.fromisoformat(q["since"].replace("Z", "+00:00"))
        except ValueError as exc:
            raise Invalid("since must be an ISO 8601 time.") from exc
        if since.tzinfo is None:
            raise Invalid("since must include a time zone.")
        since = incidents.in_utc(since, "since")
    try:
        limit = int(q.get("limit", "100"))
    except ValueError as exc:
        raise Invalid("limit must be an integer.") from exc
    if not 1 <= limit <= 500:
        raise Invalid("limit must be between 1 and 500.")
    fix = q.get("fix") or None
    if fix not in (None, "awaiting_deploy"):
        raise Invalid("fix must be awaiting_deploy.")
    view = q.get("view") or "full"
    if view not in incidents.VIEWS:
        raise Invalid(f"view must be one of {list(incidents.VIEWS)}.")
    return {
        "statuses": statuses,
        "path": q.get("path") or None,
        "environment": q.get("environment") or None,
        "since": since,
        "cursor": q.get("cursor") or None,
        "limit": limit,
        "view": view,
        "awaiting_deploy": fix == "awaiting_deploy",
    }


async def _page(request: web.Request, project_id: int) -> web.Response:
    page = await incidents.list_incidents(
        request.app[POOL], project_id=project_id,
        public_base=request.app[SETTINGS].public_base, **_filters(request),  # type: ignore[arg-type]
    )  # fmt: skip
    return json_response(page)


async def list_project_incidents(request: web.Request) -> web.Response:
    return await _page(request, (await membership(request)).project_id)


async def list_repository_incidents(request: web.Request) -> web.Response:
    """The same list, found by repository identity (what an editor knows from `origin`)."""
    user = request[USER]
    repository = request.query.get("repository")
    if not repository:
        raise Invalid("repository is required.")
    try:
        found = await projects.list_projects(
            request.app[POOL], user_id=user.id, repository=repository
        )
    except InvalidRepository as exc:
        raise Invalid(str(exc)) from exc
    if not found:
        raise NotFound("No project of yours has this repository.")
    return await _page(request, found[0].id)


async def get_incident(request: web.Request) -> web.Response:
    user = request[USER]
    detail = await incidents.get_incident(
        request.app[POOL], user_id=user.id, incident_id=int_param(request, "incident_id"),
        public_base=request.app[SETTINGS].public_base,
    )  # fmt: skip
    return json_response(detail)


def _action(action: incidents.Action) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        user = request[USER]
        body = await parse_request(request, w.IncidentActionRequest)
        changed = await incidents.change_status(
            request.app[POOL], user_id=user.id, incident_id=int_param(request, "incident_id"),
            action=action, commit=body.commit, public_base=request.app[SETTINGS].public_base,
            ancestors=body.ancestors,
        )  # fmt: skip
        return json_response(changed)

    handler.__name__ = f"{action}_incident"
    return handler


async def create_release(request: web.Request) -> web.Response:
    project_id = (await membership(request, role="admin")).project_id
    body = await parse_request(request, w.ReleaseCreateRequest)
    release = await releases.create_release(request.app[POOL], project_id=project_id, body=body)
    return json_response(release, status=201)


_FILTERS = (
    QueryParam("status", "Comma-separated: open, acknowledged, resolved, ignored."),
    QueryParam("path", "Repository-relative path of the top frame (exact or path suffix)."),
    QueryParam("environment", "Only incidents seen in this environment."),
    QueryParam("since", "Only incidents seen at or after this ISO 8601 time."),
    QueryParam(
        "fix",
        "`awaiting_deploy`: only incidents resolved at a commit no registered "
        "deploy contains yet (with status=resolved; docs/releases.md).",
    ),
    QueryParam("cursor", "The next_cursor of the previous page."),
    QueryParam("limit", "Page size, 1 to 500 (default 100).", type="integer"),
    QueryParam(
        "view",
        "`full` (default) or `editor`: only the crash frame keeps its pre/post context lines, "
        "other in-app frames keep their context_line, library frames none (for editors, which "
        "fetch one incident for its whole stack).",
    ),
)

ENDPOINTS = [
    Endpoint("GET", "/api/v1/projects/{project_id}/incidents", list_project_incidents,
             "list_project_incidents", "A project's incidents, newest activity first.",
             response=w.IncidentPage, errors=(400, 404, 422), query=_FILTERS),
    Endpoint("GET", "/api/v1/incidents", list_repository_incidents, "list_repository_incidents",
             "Incidents of the project with a repository identity.", response=w.IncidentPage,
             errors=(400, 404, 422),
             query=(QueryParam("repository", "host/owner/name or a clone URL.", required=True),
                    *_FILTERS)),
    Endpoint("GET", "/api/v1/incidents/{incident_id}", get_incident, "get_incident",
             "One incident with its latest stack and recent events.", response=w.IncidentDetail,
             errors=(404,)),
    *(
        Endpoint("POST", f"/api/v1/incidents/{{incident_id}}/{action}", _action(action),
                 f"{action}_incident", f"{action.capitalize()} an incident.",
                 request=w.IncidentActionRequest, response=w.Incident, errors=(404,),
                 scope="triage")
        for action in ("resolve", "acknowledge", "ignore", "reopen")
    ),
    Endpoint("POST", "/api/v1/projects/{project_id}/releases", create_release, "create_release",
             "Register a deploy of a commit with its first-parent commits since the previous "
             "deploy, and map a release name to it (docs/releases.md).",
             request=w.ReleaseCreateRequest, response=w.Release, status=201,
             errors=(403, 404)),
]  # fmt: skip
