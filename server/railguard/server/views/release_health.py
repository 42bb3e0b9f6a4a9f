"""Release health over HTTP: per-release crash-free rates and a release's hourly sessions
(docs/logs-and-health.md)."""

from __future__ import annotations

from aiohttp import web

from railguard.server.auth import member_of
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Invalid
from railguard.server.http import int_param, json_response, query_int, query_limit
from railguard.server.keys import POOL
from railguard.server.release_health import store
from railguard.wire import telemetry as t


async def list_release_health(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    days = query_int(request, "days", 1, 90) or 14
    found = await store.releases(request.app[POOL], project_id, days, query_limit(request, 50, 500))
    return json_response(found)


async def release_hours(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    release = request.query.get("release", "").strip()
    if not release or len(release) > 200 or "\x00" in release:
        raise Invalid("release is required (at most 200 characters).")
    days = query_int(request, "days", 1, 90) or 7
    return json_response(await store.hours(request.app[POOL], project_id, release, days))


_P = "/api/v1/projects/{project_id}"
_DAYS = QueryParam("days", "Over the last N days (1-90).", type="integer")

ENDPOINTS = [
    Endpoint("GET", f"{_P}/release-health", list_release_health, "list_release_health",
             "Sessions and crash-free rates per release and environment, latest first.",
             response=t.ReleaseHealth, many=True, errors=(404, 422),
             query=(_DAYS, QueryParam("limit", "At most (default 50).", type="integer"))),
    Endpoint("GET", f"{_P}/release-health/hours", release_hours, "release_health_hours",
             "A release's sessions per hour and environment.", response=t.SessionHour,
             many=True, errors=(404, 422),
             query=(QueryParam("release", "The release version.", required=True), _DAYS)),
]  # fmt: skip
