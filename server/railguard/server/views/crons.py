"""Cron monitors over HTTP: a project's monitors, one monitor, its check-ins
(docs/logs-and-health.md). Monitors are created by SDK check-ins, not here."""

from __future__ import annotations

from aiohttp import web

from railguard.server.auth import USER, member_of
from railguard.server.crons import store
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.http import int_param, json_response, query_limit
from railguard.server.keys import POOL
from railguard.wire import telemetry as t


async def list_monitors(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    return json_response(await store.list_monitors(request.app[POOL], project_id))


async def get_monitor(request: web.Request) -> web.Response:
    row = await store.monitor_for_user(
        request.app[POOL],
        user_id=request[USER].id,
        monitor_id=int_param(request, "cron_monitor_id"),
    )
    return json_response(store.monitor_model(row))


async def list_checkins(request: web.Request) -> web.Response:
    row = await store.monitor_for_user(
        request.app[POOL],
        user_id=request[USER].id,
        monitor_id=int_param(request, "cron_monitor_id"),
    )
    found = await store.checkins(request.app[POOL], row["id"], query_limit(request, 100, 1000))
    return json_response(found)


ENDPOINTS = [
    Endpoint("GET", "/api/v1/projects/{project_id}/cron-monitors", list_monitors,
             "list_cron_monitors", "A project's cron monitors.", response=t.CronMonitor,
             many=True, errors=(404,)),
    Endpoint("GET", "/api/v1/cron-monitors/{cron_monitor_id}", get_monitor, "get_cron_monitor",
             "One cron monitor.", response=t.CronMonitor, errors=(404,)),
    Endpoint("GET", "/api/v1/cron-monitors/{cron_monitor_id}/checkins", list_checkins,
             "list_cron_checkins", "A cron monitor's check-ins, newest first (missed and "
             "timed-out ones included).", response=t.CronCheckIn, many=True, errors=(404, 422),
             query=(QueryParam("limit", "At most (1-1000, default 100).", type="integer"),)),
]  # fmt: skip
