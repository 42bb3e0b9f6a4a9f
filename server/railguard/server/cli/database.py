"""Which PostgreSQL to use: `RAILGUARD_DATABASE_URL`, or the embedded server under the home."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from railguard.server.embedded_db import EmbeddedPostgres
from railguard.server.settings import Settings

APP_DATABASE = "railguard"


async def ensure_database(admin_url: str, name: str) -> None:
    # Server administration on the maintenance database, not a query of Railguard's schema, so
    # it is not in `sql/`; CREATE DATABASE takes an identifier, which cannot be a parameter.
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')  # name is a constant identifier
    finally:
        await conn.close()


@contextmanager
def database_url(settings: Settings, *, keep_running: bool = False) -> Iterator[str]:
    """Yield a database URL, starting the embedded server when no URL is configured.

    An embedded server this call started is stopped on exit, unless `keep_running`; one that was
    already running (another `railguard` process) is left alone.
    """
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.home)
    started_here = not embedded.running()
    admin_url = embedded.start()
    try:
        asyncio.run(ensure_database(admin_url, APP_DATABASE))
        yield embedded.url(APP_DATABASE)
    finally:
        if started_here and not keep_running:
            embedded.stop("fast")
