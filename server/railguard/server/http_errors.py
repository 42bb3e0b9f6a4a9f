"""How failures become HTTP answers: the one map from domain errors to statuses, and the
middleware that renders every failure of the API as the error shape.

Every API error body is `{"error": {"code": ..., "message": ..., "details": ...}}`; ingest views
answer the same refusals in the shape SDKs expect but take the status from `status_of` too.
Nothing a client sends should reach the 500 branch.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from aiohttp import web

from railguard.server import crashlog, errors
from railguard.server.db import DATABASE_DOWN
from railguard.server.endpoints import Handler

log = logging.getLogger(__name__)

STATUS: dict[type[errors.DomainError], int] = {
    errors.BadRequest: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.Invalid: 422,
    errors.TooManyRequests: 429,
}


def status_of(exc: errors.DomainError) -> int:
    return STATUS[type(exc)]


def headers_of(exc: errors.DomainError) -> dict[str, str]:
    if isinstance(exc, errors.Unauthorized) and exc.scheme:
        return {"WWW-Authenticate": f'{exc.scheme} realm="railguard"'}
    if isinstance(exc, errors.TooManyRequests):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> web.Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    return web.Response(
        status=status,
        body=orjson.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def domain_error_response(
    exc: errors.DomainError, headers: dict[str, str] | None = None
) -> web.Response:
    return error_response(
        status_of(exc), exc.code, exc.message, exc.details, {**headers_of(exc), **(headers or {})}
    )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.DomainError as exc:
        return domain_error_response(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason, headers=_keep_allow(exc))
    except DATABASE_DOWN as exc:
        log.warning("database unavailable during %s %s: %s", request.method, request.path, exc)
        return error_response(
            503, "database_unavailable", "The database is unavailable; retry shortly.",
            headers={"Retry-After": "5"},
        )  # fmt: skip
    except Exception as exc:
        error_id = crashlog.report(exc, request.method, request.path)
        return error_response(
            500, "internal_error", f"Something went wrong on our side (error {error_id}).",
            details={"error_id": error_id},
        )  # fmt: skip


def _keep_allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}
