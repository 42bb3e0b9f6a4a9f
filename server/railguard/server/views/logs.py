"""Logs over HTTP: OTLP/HTTP ingest on `/v1/logs` (with a project's ingest key), log search,
an incident's logs (same trace), and a project's discarded-item counts (docs/logs-and-health.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from railguard.server.auth import USER, member_of
from railguard.server.db import DATABASE_DOWN
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import BadRequest, Forbidden, TooManyRequests, Unauthorized
from railguard.server.http import int_param, json_response, query_int, query_limit
from railguard.server.ingest import sentry_auth
from railguard.server.ingest.body import BodyReader, BudgetExhausted
from railguard.server.keys import INFLATE_BUDGET, KEY_CACHE, POOL, SETTINGS
from railguard.server.logs import otlp, search
from railguard.server.logs.runtime import TELEMETRY_WRITER
from railguard.server.logs.writer import TelemetryBatch, TelemetryRejected, TelemetryUnavailable
from railguard.wire import telemetry as t


async def _project_of_key(request: web.Request) -> int:
    """The project of the request's ingest key (`X-Railguard-Key`, `X-Sentry-Auth`, or
    `sentry_key` in the query): unknown 401, revoked key or deleted project 403."""
    public = sentry_auth.extract_native_key(headers=request.headers, query=request.query)
    info = await request.app[KEY_CACHE].lookup(public)
    if info is None:
        raise Unauthorized("unknown key")
    if info.revoked:
        raise Forbidden("key revoked")
    if info.project_deleted:
        raise Forbidden("project disabled")
    return info.project_id


async def otlp_logs(request: web.Request) -> web.Response:
    """OTLP/HTTP logs: 200 with an `ExportLogsServiceResponse` once the records are committed.
    An ingest route like the envelope's, so not in the API document (its path is OTLP's)."""
    content_type = request.content_type
    if content_type not in (otlp.PROTOBUF, otlp.JSON):
        raise BadRequest(f"content type must be {otlp.PROTOBUF} or {otlp.JSON}")
    try:
        project_id = await _project_of_key(request)
    except DATABASE_DOWN:
        raise TooManyRequests("The server is busy; retry shortly.", retry_after=5) from None
    settings = request.app[SETTINGS]
    reader = BodyReader(
        request.content, request.headers.get("Content-Encoding"),
        max_compressed=settings.max_request_compressed,
        max_decompressed=settings.max_request_decompressed, budget=request.app[INFLATE_BUDGET],
    )  # fmt: skip
    try:
        body = await reader.read()
    except BudgetExhausted:
        raise TooManyRequests("The server is busy; retry shortly.", retry_after=2) from None
    finally:
        await reader.release()
    message = otlp.parse_request(body, content_type)
    received_at = datetime.now(UTC)
    records = otlp.records(message, received_at)
    try:
        await request.app[TELEMETRY_WRITER].submit(TelemetryBatch(project_id, received_at, records))
    except TelemetryUnavailable:
        raise TooManyRequests("The server is busy; retry shortly.", retry_after=5) from None
    except TelemetryRejected:
        raise BadRequest(
            "the records could not be stored; the reason is in the server log"
        ) from None
    return web.Response(body=otlp.response_body(content_type), content_type=content_type)


async def list_logs(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    filters = search.parse_filters(request.query)
    page = await search.search(
        request.app[POOL], project_id, filters, query_limit(request, 100, 1000)
    )
    return json_response(page)


async def incident_logs(request: web.Request) -> web.Response:
    found = await search.incident_logs(
        request.app[POOL], user_id=request[USER].id,
        incident_id=int_param(request, "incident_id"), limit=query_limit(request, 100, 1000),
    )  # fmt: skip
    return json_response(found)


async def discarded(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await member_of(request, project_id)
    days = query_int(request, "days", 1, 366) or 30
    return json_response(await search.discarded(request.app[POOL], project_id, days))


_P = "/api/v1/projects/{project_id}"

ENDPOINTS = [
    Endpoint("GET", f"{_P}/logs", list_logs, "list_logs",
             "Search a project's logs, newest first.", response=t.LogPage,
             errors=(400, 404, 422),
             query=(QueryParam("q", "Words or part of a word in the message."),
                    QueryParam("level", "Comma-separated: trace, debug, info, warn, error, "
                               "fatal."),
                    QueryParam("trace_id", "32 hex digits."),
                    QueryParam("since", "ISO 8601: from this time."),
                    QueryParam("until", "ISO 8601: before this time."),
                    QueryParam("before", "The `next` cursor of the previous page."),
                    QueryParam("limit", "Page size (1-1000, default 100).", type="integer"))),
    Endpoint("GET", "/api/v1/incidents/{incident_id}/logs", incident_logs, "incident_logs",
             "Logs sharing a trace with the incident's latest events.", response=t.LogEntry,
             many=True, errors=(404, 422),
             query=(QueryParam("limit", "At most (1-1000, default 100).", type="integer"),)),
    Endpoint("GET", f"{_P}/discarded", discarded, "discarded_items",
             "Items received and not kept (unsupported types, SDK client reports).",
             response=t.DiscardedCount, many=True, errors=(404, 422),
             query=(QueryParam("days", "Over the last N days (default 30).", type="integer"),)),
]  # fmt: skip
