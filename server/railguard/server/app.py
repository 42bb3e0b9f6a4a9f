"""The aiohttp application factory: settings in, a wired application out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web

from railguard.server import db, edge, retention, usage_notices
from railguard.server.alerts.dispatcher import Dispatcher
from railguard.server.auth import AUTHENTICATORS, DEFAULT_AUTHENTICATORS, authenticated
from railguard.server.endpoints import Endpoint
from railguard.server.http_errors import error_middleware
from railguard.server.ingest.body import InflateBudget
from railguard.server.keys import (
    ALERTS,
    HASHER,
    INFLATE_BUDGET,
    KEY_CACHE,
    LIVE,
    POOL,
    QUOTAS,
    RATE_LIMITER,
    SETTINGS,
    SOURCEMAPS,
    WRITER,
)
from railguard.server.logs import runtime as logs_runtime
from railguard.server.openapi import ENDPOINTS_KEY
from railguard.server.pipeline.keycache import KeyCache
from railguard.server.pipeline.live import LiveHub
from railguard.server.pipeline.quota import QuotaGate
from railguard.server.pipeline.ratelimit import KeyRateLimiter
from railguard.server.pipeline.writer import EventWriter
from railguard.server.proxies import trusted_proxy_middleware
from railguard.server.security import password_hasher
from railguard.server.settings import Settings
from railguard.server.sourcemaps.resolver import SourceMapResolver
from railguard.server.traces import runtime as traces_runtime
from railguard.server.uptime.builtin import BuiltinAgent
from railguard.server.views import (
    accounts,
    alerts,
    crons,
    curation,
    health,
    incidents,
    ingest,
    live,
    logs,
    oauth,
    organizations,
    otlp,
    projects,
    release_health,
    sentry_cli,
    sourcemaps,
    triage,
)
from railguard.server.views import agent_api as uptime_agent_api
from railguard.server.views import traces as traces_views
from railguard.server.views import uptime as uptime_views
from railguard.server.web.setup import setup_web

log = logging.getLogger(__name__)


def all_endpoints() -> list[Endpoint]:
    return [
        *health.ENDPOINTS,
        *accounts.ENDPOINTS,
        *projects.ENDPOINTS,
        *incidents.ENDPOINTS,
        *live.ENDPOINTS,
        *triage.ENDPOINTS,
        *curation.ENDPOINTS,
        *alerts.ENDPOINTS,
        *uptime_views.ENDPOINTS,
        *uptime_agent_api.ENDPOINTS,
        *traces_views.ENDPOINTS,
        *logs.ENDPOINTS,
        *release_health.ENDPOINTS,
        *crons.ENDPOINTS,
        *organizations.ENDPOINTS,
        *oauth.ENDPOINTS,
        *sourcemaps.ENDPOINTS,
        *sentry_cli.ENDPOINTS,
    ]


def setup_routes(app: web.Application, endpoints: list[Endpoint], path_prefix: str) -> None:
    """Route the table; an endpoint marked `authenticated` is reachable only with a user."""
    for endpoint in endpoints:
        handler = (
            authenticated(endpoint.handler, endpoint.required_scope)
            if endpoint.authenticated
            else endpoint.handler
        )
        app.router.add_route(endpoint.method, endpoint.path, handler, name=endpoint.name)
    app[ENDPOINTS_KEY] = endpoints
    setup_web(app)  # pages for people are not part of the API document
    # Native ingest: key in `X-Railguard-Key`, project optional in the path.
    app.router.add_post("/api/v1/events", ingest.native_event, name="native_event")
    app.router.add_post(r"/api/v1/events/{project_id:\d+}", ingest.native_event)
    app.router.add_post("/v1/logs", logs.otlp_logs, name="otlp_logs")  # OTLP/HTTP's own path
    # Sentry SDKs: tolerate repeated and trailing slashes and the DSN's path prefix
    # (docs/sentry-protocol.md §1).
    prefixes = {""} | ({path_prefix} if path_prefix else set())
    for prefix in prefixes:
        for name, handler in (("envelope", ingest.sentry_envelope), ("store", ingest.sentry_store)):
            path = prefix + r"/{lead:/*}api{s1:/+}{project_id:\d+}{s2:/+}" + name + "{tail:/*}"
            app.router.add_post(path, handler)
            app.router.add_route("OPTIONS", path, ingest.preflight)
    # OpenTelemetry's OTLP/HTTP trace export, at the collector's standard path.
    app.router.add_post("/v1/traces", otlp.traces, name="otlp_traces")


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert settings.database_url is not None, "resolve the database URL before create_app"
    pool = await db.create_pool(
        settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
    )
    app[POOL] = pool
    app[KEY_CACHE] = KeyCache(pool)
    app[RATE_LIMITER] = KeyRateLimiter(pool)
    app[QUOTAS] = QuotaGate(
        pool, usage_notices.announcer(pool, settings), ttl=settings.quota_check_seconds
    )
    hub = LiveHub(pool, settings.database_url)
    await hub.start()
    app[LIVE] = hub
    writer = EventWriter(
        pool,
        batch_size=settings.writer_batch_size,
        batch_wait=settings.writer_batch_wait_ms / 1000,
        queue_size=settings.ingest_queue_size,
        on_commit=hub.poke,
    )
    writer.start()
    app[WRITER] = writer
    app[SOURCEMAPS] = SourceMapResolver(pool, cache_bytes=settings.sourcemap_cache_mb * 2**20)
    if settings.alerts_enabled:
        dispatcher = Dispatcher(pool, settings)
        dispatcher.start()
        app[ALERTS] = dispatcher
    async with retention.periodic(
        pool,
        retention_days=settings.retention_days,
        ahead_days=settings.partitions_ahead_days,
        interval=settings.maintenance_interval_s,
    ):
        yield
    await writer.stop()
    if ALERTS in app:
        await app[ALERTS].stop()
    await hub.stop()
    await pool.close()


async def _uptime(app: web.Application) -> AsyncIterator[None]:
    """The built-in uptime agent: this process's share of the server's monitors' checks."""
    agent = None
    if app[SETTINGS].uptime_builtin_agent:
        agent = BuiltinAgent(app[POOL], app[SETTINGS])
        agent.start()
    yield
    if agent is not None:
        await agent.stop()


async def _end_streams(app: web.Application) -> None:
    # Live streams never finish on their own; without this a graceful stop waits them out.
    if LIVE in app:
        app[LIVE].close_subscribers()


def create_app(settings: Settings) -> web.Application:
    """Build the app; the pool, writer and live hub start on startup and stop on cleanup."""
    app = web.Application(
        middlewares=[
            *(
                [trusted_proxy_middleware(settings.trusted_proxies)]
                if settings.trusted_proxies
                else []
            ),
            error_middleware,
            edge.body_deadline(settings.body_read_timeout),
            edge.query_guard,
        ],
        client_max_size=1024 * 1024,
        # Ingest decodes bodies itself, with caps on both the wire and the decoded size;
        # aiohttp's own decompression would inflate a bomb before any view could refuse it.
        handler_args={"auto_decompress": False, "max_field_size": 8190, "max_headers": 100},
    )
    app[SETTINGS] = settings
    app[INFLATE_BUDGET] = InflateBudget(
        max(settings.max_inflight_decompressed, settings.max_request_decompressed)
    )
    app[HASHER] = password_hasher(settings.argon2_memory_kib, settings.argon2_time_cost)
    app[AUTHENTICATORS] = DEFAULT_AUTHENTICATORS
    edge.install(app)
    app.cleanup_ctx.append(_database)
    traces_runtime.install(app)
    app.cleanup_ctx.append(_uptime)
    app.cleanup_ctx.append(logs_runtime.lifecycle)
    app.on_shutdown.append(_end_streams)
    setup_routes(app, all_endpoints(), urlsplit(settings.public_base).path.rstrip("/"))
    return app
