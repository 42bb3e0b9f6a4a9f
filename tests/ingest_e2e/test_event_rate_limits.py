"""Rate limits count events, not requests, and hold across servers sharing the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e import envelope, event_count, new_project, sentry_event

from railguard.server.app import create_app
from railguard.server.settings import Settings
from support import Api, free_port


async def test_a_5000_event_envelope_stores_only_the_keys_10(api: Api, database_url: str) -> None:
    ctx = await new_project(api)
    key = await ctx.new_key(label="ten", rate_limit_per_minute=10)
    events = [("event", sentry_event(value=str(i))) for i in range(5000)]
    body = envelope(*events, headers={"event_id": None})  # each event keeps its own id
    resp = await ctx.send(body, key=key)
    assert resp.status == 429, await resp.text()
    assert resp.headers["X-Sentry-Rate-Limits"].endswith(":key:key_quota")
    assert int(resp.headers["Retry-After"]) >= 1
    assert await event_count(database_url) == 10
    again = await ctx.send(envelope(("event", sentry_event())), key=key)
    assert again.status == 429
    assert await event_count(database_url) == 10


@pytest.fixture
async def second_client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    """Another server (its own process state) on the same database."""
    server = TestServer(create_app(settings), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        yield client


async def test_the_limit_holds_across_servers(
    api: Api, second_client: TestClient[Any, Any], database_url: str
) -> None:
    ctx = await new_project(api)
    key = await ctx.new_key(label="twenty", rate_limit_per_minute=20)
    statuses = []
    for i in range(30):
        client = api.client if i % 2 else second_client
        resp = await client.post(
            f"/api/{ctx.pid}/envelope/", data=envelope(("event", sentry_event())),
            headers=ctx.auth(key),
        )  # fmt: skip
        statuses.append(resp.status)
    assert statuses.count(200) == 20, statuses
    assert await event_count(database_url) == 20
