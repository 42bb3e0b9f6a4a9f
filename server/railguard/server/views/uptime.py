"""Uptime API for people: monitors, their statistics and heartbeats, outages, agents."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from railguard.server.auth import USER, member_of
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Forbidden, Invalid
from railguard.server.http import int_param, json_response, parse_request, query_limit
from railguard.server.keys import POOL, SETTINGS
from railguard.server.roles import at_least
from railguard.server.uptime import agents, monitors
from railguard.wire import uptime as u


async def create_monitor(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id, role="admin")
    body = await parse_request(request, u.MonitorCreateRequest)
    created = await monitors.create_monitor(request.app[POOL], project_id=project_id, request=body)
    return json_response(created, status=201)


async def list_monitors(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    return json_response(await monitors.list_monitors(request.app[POOL], project_id))


async def monitor_summary(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    return json_response(await monitors.summary(request.app[POOL], project_id))


async def get_monitor(request: web.Request) -> web.Response:
    user = request[USER]
    row = await monitors.monitor_for_user(
        request.app[POOL], user_id=user.id, monitor_id=int_param(request, "monitor_id")
    )
    return json_response(monitors.monitor_model(row))


async def update_monitor(request: web.Request) -> web.Response:
    user = request[USER]
    row = await monitors.monitor_for_user(
        request.app[POOL], user_id=user.id, monitor_id=int_param(request, "monitor_id")
    )
    if not at_least(row["role"], "admin"):
        raise Forbidden("This needs the admin role in the organisation.")
    body = await parse_request(request, u.MonitorUpdateRequest)
    return json_response(
        await monitors.update_monitor(request.app[POOL], monitor=row, request=body)
    )


async def delete_monitor(request: web.Request) -> web.Response:
    user = request[USER]
    row = await monitors.monitor_for_user(
        request.app[POOL], user_id=user.id, monitor_id=int_param(request, "monitor_id")
    )
    if not at_least(row["role"], "admin"):
        raise Forbidden("This needs the admin role in the organisation.")
    await monitors.delete_monitor(request.app[POOL], row["id"])
    return web.Response(status=204)


async def monitor_stats(request: web.Request) -> web.Response:
    user = request[USER]
    row = await monitors.monitor_for_user(
        request.app[POOL], user_id=user.id, monitor_id=int_param(request, "monitor_id")
    )
    return json_response(await monitors.monitor_stats(request.app[POOL], row["id"]))


_SPANS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


async def monitor_heartbeats(request: web.Request) -> web.Response:
    user = request[USER]
    row = await monitors.monitor_for_user(
        request.app[POOL], user_id=user.id, monitor_id=int_param(request, "monitor_id")
    )
    span = request.query.get("window", "24h")
    if span not in _SPANS:
        raise Invalid(f"window must be one of {list(_SPANS)}.")
    beats = await monitors.heartbeats(
        request.app[POOL], monitor_id=row["id"], span=_SPANS[span],
        limit=query_limit(request, 500, 10_000),
    )  # fmt: skip
    return json_response(beats)


async def list_outages(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    status = request.query.get("status", "all")
    if status not in ("all", "open"):
        raise Invalid("status must be `all` or `open`.")
    monitor = request.query.get("monitor_id")
    if monitor is not None and not (monitor.isascii() and monitor.isdigit() and len(monitor) < 19):
        raise Invalid("monitor_id must be an integer.")
    found = await monitors.list_outages(
        request.app[POOL], project_id=project_id, open_only=status == "open",
        monitor_id=int(monitor) if monitor else None, limit=query_limit(request, 100, 500),
    )  # fmt: skip
    return json_response(found)


async def acknowledge_outage(request: web.Request) -> web.Response:
    user = request[USER]
    outage = await monitors.acknowledge_outage(
        request.app[POOL], user_id=user.id, outage_id=int_param(request, "outage_id")
    )
    return json_response(outage)


async def create_agent(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id, role="admin")
    body = await parse_request(request, u.AgentCreateRequest)
    created = await agents.create_agent(
        request.app[POOL], project_id=project_id, name=body.name,
        offline_after=request.app[SETTINGS].uptime_agent_offline_after,
    )  # fmt: skip
    return json_response(created, status=201)


async def list_agents(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    found = await agents.list_agents(
        request.app[POOL], project_id=project_id,
        offline_after=request.app[SETTINGS].uptime_agent_offline_after,
    )  # fmt: skip
    return json_response(found)


async def revoke_agent(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id, role="admin")
    revoked = await agents.revoke_agent(
        request.app[POOL], project_id=project_id, agent_id=int_param(request, "agent_id"),
        offline_after=request.app[SETTINGS].uptime_agent_offline_after,
    )  # fmt: skip
    return json_response(revoked)


_P = "/api/v1/projects/{project_id}"
_LIMIT = QueryParam("limit", "Page size.", type="integer")

ENDPOINTS = [
    Endpoint("POST", f"{_P}/monitors", create_monitor, "create_monitor",
             "Create an uptime monitor (admins).", request=u.MonitorCreateRequest,
             response=u.Monitor, status=201, errors=(400, 403, 404, 422)),
    Endpoint("GET", f"{_P}/monitors", list_monitors, "list_monitors",
             "A project's monitors.", response=u.Monitor, many=True, errors=(404,)),
    Endpoint("GET", f"{_P}/monitors/summary", monitor_summary, "monitor_summary",
             "Counts of a project's monitors by state, and open outages.",
             response=u.MonitorSummary, errors=(404,)),
    Endpoint("GET", "/api/v1/monitors/{monitor_id}", get_monitor, "get_monitor",
             "One monitor.", response=u.Monitor, errors=(404,)),
    Endpoint("PATCH", "/api/v1/monitors/{monitor_id}", update_monitor, "update_monitor",
             "Rename, pause or reschedule a monitor (admins).", request=u.MonitorUpdateRequest,
             response=u.Monitor, errors=(400, 403, 404, 422)),
    Endpoint("DELETE", "/api/v1/monitors/{monitor_id}", delete_monitor, "delete_monitor",
             "Delete a monitor with its history (admins).", status=204, errors=(403, 404)),
    Endpoint("GET", "/api/v1/monitors/{monitor_id}/stats", monitor_stats, "monitor_stats",
             "Uptime and latency percentiles over 24 h, 7 d and 30 d (hourly rollups).",
             response=u.MonitorStats, errors=(404,)),
    Endpoint("GET", "/api/v1/monitors/{monitor_id}/heartbeats", monitor_heartbeats,
             "monitor_heartbeats", "Recent check results, newest first (for a chart).",
             response=u.Heartbeat, many=True, errors=(404, 422),
             query=(QueryParam("window", "1h, 24h (default), 7d or 30d."), _LIMIT)),
    Endpoint("GET", f"{_P}/outages", list_outages, "list_outages",
             "A project's outages, newest first.", response=u.Outage, many=True,
             errors=(404, 422),
             query=(QueryParam("status", "`all` (default) or `open`."),
                    QueryParam("monitor_id", "Only this monitor's.", type="integer"), _LIMIT)),
    Endpoint("POST", "/api/v1/outages/{outage_id}/acknowledge", acknowledge_outage,
             "acknowledge_outage", "Acknowledge an outage (the first time is kept).",
             response=u.Outage, errors=(404,), scope="triage"),
    Endpoint("POST", f"{_P}/uptime-agents", create_agent, "create_uptime_agent",
             "Register an external agent; its key is shown once.",
             request=u.AgentCreateRequest, response=u.AgentCreated, status=201,
             errors=(400, 403, 404, 422)),
    Endpoint("GET", f"{_P}/uptime-agents", list_agents, "list_uptime_agents",
             "A project's external agents, with whether each is online.", response=u.Agent,
             many=True, errors=(404,)),
    Endpoint("DELETE", f"{_P}/uptime-agents/{{agent_id}}", revoke_agent, "revoke_uptime_agent",
             "Revoke an agent's key; its monitors become unknown.", response=u.Agent,
             errors=(403, 404)),
]  # fmt: skip
