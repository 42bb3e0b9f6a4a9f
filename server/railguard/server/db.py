"""PostgreSQL access: the asyncpg pool and the named queries loaded from `sql/*.sql` (aiosql)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosql
import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

# Anything queries can run on: the pool, a plain connection, or one acquired from the pool.
Executor = asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy

SQL_DIR = Path(__file__).with_name("sql")

# One object holding every named query; `queries.get_user_by_email(conn, email=...)`.
queries: Any = aiosql.from_path(SQL_DIR, "asyncpg", mandatory_parameters=False)


# The database went away (stopped, restarted, network): callers should answer "retry later".
DATABASE_DOWN = (
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    ConnectionError,
    OSError,
)

# A JSON `\u0000` escape not preceded by another backslash (an escaped backslash is `\\`).
_NUL_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def dumps_json(value: Any) -> str:
    """JSON text for PostgreSQL, which refuses NUL characters in jsonb: they are dropped."""
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return _NUL_ESCAPE.sub(r"\1", text) if "\\u0000" in text else text


async def _init_connection(conn: asyncpg.Connection) -> None:
    # json/jsonb travel as text; encode with orjson so Python objects go straight in and out.
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=dumps_json, decoder=orjson.loads, schema="pg_catalog", format="text"
        )


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections speak JSON natively."""
    pool = await asyncpg.create_pool(
        url, min_size=min_size, max_size=max_size, init=_init_connection, command_timeout=60
    )
    assert pool is not None
    return pool


async def fetch_all(gen: AsyncIterator[asyncpg.Record]) -> list[asyncpg.Record]:
    """Collect the rows of an aiosql select (which yields them one by one)."""
    return [row async for row in gen]
