"""Health: whether the service and its database are up, and the OpenAPI document."""

from __future__ import annotations

import asyncio
from importlib.metadata import version

from aiohttp import web

from railguard.server.db import DATABASE_DOWN, queries
from railguard.server.endpoints import Endpoint
from railguard.server.http import json_response
from railguard.server.keys import POOL
from railguard.wire import models as w

_VERSION = version("railguard")


async def health(request: web.Request) -> web.Response:
    """200 when the database answers; 503 `degraded` (with the same body shape) when not."""
    database_up = True
    try:
        async with asyncio.timeout(2):
            await queries.ping(request.app[POOL])
    except (TimeoutError, *DATABASE_DOWN):
        database_up = False
    body = w.Health(
        status="ok" if database_up else "degraded",
        database="up" if database_up else "down",
        version=_VERSION,
    )
    return json_response(body, status=200 if database_up else 503)


async def openapi(request: web.Request) -> web.Response:
    from railguard.server.openapi import build_openapi

    return json_response(build_openapi(request.app))


ENDPOINTS = [
    Endpoint("GET", "/api/v1/health", health, "health",
             "Service health; 503 with status `degraded` while the database is down.",
             response=w.Health, authenticated=False, errors=(503,)),
    Endpoint("GET", "/api/v1/openapi.json", openapi, "openapi", "This API's OpenAPI document.",
             authenticated=False, content_type="application/json"),
]  # fmt: skip
