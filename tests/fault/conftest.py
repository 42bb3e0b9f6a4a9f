"""Fault-injection fixtures: each test owns its PostgreSQL and its `railguard serve` process.

Long variants are marked `slow` and run only with RAILGUARD_LONG_TESTS=1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from faultkit import LONG, Database, Server, start_database


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LONG:
        return
    skip = pytest.mark.skip(reason="long variant: set RAILGUARD_LONG_TESTS=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A private embedded PostgreSQL with a migrated database, stopped at the end."""
    db = await start_database(tmp_path / "pg")
    try:
        yield db
    finally:
        await asyncio.to_thread(db.pg.stop, "immediate")


@pytest.fixture
def server(own_database: Database, tmp_path: Path) -> Iterator[Server]:
    srv = Server(own_database.url, tmp_path / "server.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
