"""Which PostgreSQL to use: `RAILGUARD_DATABASE_URL`, or the embedded server under the home.

`serve` creates the embedded cluster on first use; every other command only uses one that
exists, so an admin command run with another RAILGUARD_HOME cannot silently create a second,
empty cluster. Connection and schema problems become one-line `CliError`s.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from railguard.server.cli.output import CliError
from railguard.server.db import queries
from railguard.server.embedded_db import EmbeddedPostgres
from railguard.server.settings import Settings

log = logging.getLogger(__name__)

APP_DATABASE = "railguard"
_CONNECT_TIMEOUT = 10.0


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc[-1]}"))


async def connect(url: str) -> asyncpg.Connection:
    """A connection, or a one-line CliError saying why there is none."""
    try:
        return await asyncpg.connect(url, timeout=_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, socket.gaierror):
            reason = f"unknown host ({exc.strerror})"
        raise CliError(f"cannot connect to the database at {redacted(url)}: {reason}") from None
    except ValueError as exc:  # asyncpg's own DSN parser
        raise CliError(f"malformed database URL {redacted(url)}: {exc}") from None


async def ensure_database(admin_url: str, name: str) -> None:
    # Server administration on the maintenance database, not a query of Railguard's schema, so
    # it is not in `sql/`; CREATE DATABASE takes an identifier, which cannot be a parameter.
    conn = await connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')  # name is a constant identifier
    finally:
        await conn.close()


async def require_schema(url: str) -> None:
    """Admin commands need the migrated schema; say how to get it instead of failing later."""
    conn = await connect(url)
    try:
        migrated = await queries.schema_is_migrated(conn)
    finally:
        await conn.close()
    if not migrated:
        raise CliError(
            f"the database at {redacted(url)} has no Railguard schema; start `railguard serve` "
            "(it migrates) or run `railguard migrate up`"
        )


@contextmanager
def _serve_lock(home: Path) -> Iterator[None]:
    """One `railguard serve` per embedded home: the first one stops the cluster when it exits,
    which would leave a second one without its database."""
    with (home / "serve.lock").open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise CliError(
                f"another `railguard serve` (pid {holder}) already uses the embedded database in "
                f"{home}; stop it, or give this one its own RAILGUARD_HOME"
            ) from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        yield


@contextmanager
def database_url(
    settings: Settings, *, keep_running: bool = False, announce: bool = False
) -> Iterator[str]:
    """Yield a database URL, starting the embedded server when no URL is configured.

    With `announce` (serve), a missing cluster is created, with progress lines in the log;
    otherwise a missing cluster is an error naming the home. An embedded server this call
    started is stopped on exit, unless `keep_running`; one that was already running (another
    `railguard` process) is left alone.
    """
    if settings.database_url:
        if announce:
            log.info("using the database at %s", redacted(settings.database_url))
        asyncio.run(_check_reachable(settings.database_url))
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.home)
    if not announce and not embedded.initialised():
        raise CliError(
            f"no database at {settings.home}; start `railguard serve` first or set "
            "RAILGUARD_HOME/RAILGUARD_DATABASE_URL"
        )
    if announce:
        embedded.prepare()
        lock = _serve_lock(embedded.home)
    else:
        lock = _no_lock()
    with lock:
        started_here = not embedded.running()
        if announce and not embedded.initialised():
            log.info(
                "creating the embedded PostgreSQL cluster in %s (first run: about a minute)",
                settings.home,
            )
        if announce and started_here:
            log.info("starting the embedded PostgreSQL in %s", settings.home)
        admin_url = embedded.start()
        try:
            asyncio.run(ensure_database(admin_url, APP_DATABASE))
            yield embedded.url(APP_DATABASE)
        finally:
            if started_here and not keep_running:
                embedded.stop("fast")


@contextmanager
def _no_lock() -> Iterator[None]:
    yield


async def _check_reachable(url: str) -> None:
    conn = await connect(url)
    await conn.close()
