"""The aiohttp application factory: settings in, a wired application out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from railguard.server import db
from railguard.server.endpoints import Endpoint
from railguard.server.errors import error_middleware
from railguard.server.keys import HASHER, POOL, SETTINGS
from railguard.server.openapi import ENDPOINTS_KEY
from railguard.server.security import password_hasher
from railguard.server.settings import Settings
from railguard.server.views import accounts, health, projects

log = logging.getLogger(__name__)


def all_endpoints() -> list[Endpoint]:
    return [*health.ENDPOINTS, *accounts.ENDPOINTS, *projects.ENDPOINTS]


def setup_routes(app: web.Application, endpoints: list[Endpoint]) -> None:
    for endpoint in endpoints:
        app.router.add_route(endpoint.method, endpoint.path, endpoint.handler, name=endpoint.name)
    app[ENDPOINTS_KEY] = endpoints


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert settings.database_url is not None, "resolve the database URL before create_app"
    app[POOL] = await db.create_pool(
        settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
    )
    yield
    await app[POOL].close()


def create_app(settings: Settings) -> web.Application:
    """Build the app; the database pool opens on startup and closes on cleanup."""
    app = web.Application(middlewares=[error_middleware], client_max_size=1024 * 1024)
    app[SETTINGS] = settings
    app[HASHER] = password_hasher(settings.argon2_memory_kib, settings.argon2_time_cost)
    app.cleanup_ctx.append(_database)
    setup_routes(app, all_endpoints())
    return app
