"""Shared fixtures: one PostgreSQL per test run, a fresh database per test, a running backend.

The server is the embedded PostgreSQL unless `RAILGUARD_TEST_DATABASE_URL` names another
(any PostgreSQL >= 14; the URL's user must be allowed to create databases). Each test gets its
own database cloned from a migrated template, so tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from railguard.server.app import create_app
from railguard.server.embedded_db import EmbeddedPostgres
from railguard.server.migrations import migrate_up
from railguard.server.settings import Settings
from support import Api, ServedBackend, free_port, pg_home, with_database

TEMPLATE = "railguard_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server for the whole run: the embedded one unless a URL is given."""
    given = os.environ.get("RAILGUARD_TEST_DATABASE_URL")
    if given:
        yield given
        return
    home = pg_home(tmp_path_factory.mktemp("pg"))
    embedded = EmbeddedPostgres(home)
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop("immediate")


async def _create_template(admin_url: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    finally:
        await conn.close()
    await migrate_up(with_database(admin_url, TEMPLATE))


@pytest.fixture(scope="session")
def template_database(pg_admin_url: str) -> str:
    asyncio.run(_create_template(pg_admin_url))
    return TEMPLATE


@pytest.fixture
async def database_url(pg_admin_url: str, template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test, dropped afterwards."""
    name = f"rg_test_{os.getpid()}_{next(_counter)}"
    conn = await asyncpg.connect(pg_admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    finally:
        await conn.close()
    yield with_database(pg_admin_url, name)
    conn = await asyncpg.connect(pg_admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Cheaper Argon2 than production keeps the suite fast; test_security checks the real one.
    return Settings(
        database_url=database_url,
        public_url="http://127.0.0.1:8000",
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        writer_batch_wait_ms=2,
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    """An HTTP client against the real app on a real port, on this test's database."""
    server = TestServer(create_app(settings), host="127.0.0.1", port=free_port())
    async with TestClient(server) as test_client:
        yield test_client


@pytest.fixture
def api(client: TestClient[Any, Any]) -> Api:
    return Api(client)


@pytest.fixture
def served_backend(database_url: str, tmp_path: Path) -> Iterator[ServedBackend]:
    """`railguard serve` as its own process on a free port, on this test's database."""
    backend = ServedBackend(database_url, tmp_path / "server.log")
    try:
        yield backend.start()
    finally:
        backend.stop()
