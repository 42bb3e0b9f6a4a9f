"""`POST /v1/traces`: OpenTelemetry's OTLP/HTTP trace export (protobuf or JSON), the path a
collector or an SDK exporter posts to. The project's ingest key comes as `X-Railguard-Key`,
`X-Sentry-Auth`, `Authorization: Sentry sentry_key=…` or the `sentry_key` query parameter
(docs/performance.md#opentelemetry). 200 with an ExportTraceServiceResponse only after COMMIT;
a body that is not an export is a 400 with the reason; overload 429 and an unreachable database
503, both with `Retry-After` (OTLP exporters retry those)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from railguard.server.db import DATABASE_DOWN
from railguard.server.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized
from railguard.server.http_errors import domain_error_response, error_response
from railguard.server.ingest import sentry_auth
from railguard.server.ingest.body import BodyReader, BudgetExhausted
from railguard.server.keys import INFLATE_BUDGET, KEY_CACHE, RATE_LIMITER, SETTINGS
from railguard.server.pipeline.keycache import KeyInfo
from railguard.server.pipeline.writer import EventRejected, WriterOverloaded, WriterUnavailable
from railguard.server.traces import ingest, otlp


async def _key(request: web.Request) -> KeyInfo:
    public = sentry_auth.extract_native_key(headers=request.headers, query=request.query)
    info = await request.app[KEY_CACHE].lookup(public)
    if info is None:
        raise Unauthorized("unknown project or key")
    if info.revoked:
        raise Forbidden("key revoked")
    if info.project_deleted:
        raise Forbidden("project disabled")
    return info


async def _traces(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    key = await _key(request)
    if request.app[RATE_LIMITER].exhausted(key.id):
        return _retry(429, "rate_limited", "Too many requests; slow down.", 30)
    reader = BodyReader(
        request.content, request.headers.get("Content-Encoding"),
        max_compressed=settings.max_request_compressed,
        max_decompressed=settings.max_request_decompressed,
        budget=request.app[INFLATE_BUDGET],
    )  # fmt: skip
    try:
        body = await reader.read()
    finally:
        await reader.release()
    export, as_json = ingest.decode_otlp(body, request.content_type)
    try:
        await ingest.store(
            request.app, key.project_id, export.transactions, orphans=export.orphans,
            received_at=datetime.now(UTC),
        )  # fmt: skip
    except WriterOverloaded:
        return _retry(429, "overloaded", "The server is busy; retry shortly.", 2)
    except WriterUnavailable:
        return _retry(503, "database_unavailable", "Retry shortly.", 5)
    except EventRejected:
        raise BadRequest(
            "the export could not be stored; the reason is in the server log"
        ) from None
    return web.Response(
        body=otlp.response(export, as_json=as_json),
        content_type="application/json" if as_json else "application/x-protobuf",
    )


def _retry(status: int, code: str, message: str, after: int) -> web.Response:
    return error_response(status, code, message, headers={"Retry-After": str(after)})


async def traces(request: web.Request) -> web.Response:
    try:
        return await _traces(request)
    except (BadRequest, Unauthorized, Forbidden, PayloadTooLarge) as exc:
        return domain_error_response(exc)
    except BudgetExhausted:
        return _retry(429, "overloaded", "The server is busy; retry shortly.", 2)
    except DATABASE_DOWN:
        return _retry(503, "database_unavailable", "Retry shortly.", 5)
