# ruff: noqa: F811  (the fixtures `server` and `own_database` are imported from faultkit)
"""Performance data is acknowledged only after COMMIT: kill -9 of the server in the middle of a
load of SDK-made transactions, restart, and every transaction that got a 200 is stored once,
with its spans, and the route metrics count exactly the stored transactions (they are written
in the same database transaction)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from faultkit import (
    Database,
    make_project,
    own_database,  # noqa: F401  (fixture)
    server,  # noqa: F401  (fixture)
)
from testkit.transactions import envelope, fresh, sdk_transaction

from support import ServedBackend

pytestmark = pytest.mark.fault


async def test_kill9_loses_no_acknowledged_transaction(
    server: ServedBackend, own_database: Database
) -> None:
    project = await make_project(server.url)
    template = sdk_transaction(spans=5)
    acked: set[str] = set()
    refused = 0
    stop = asyncio.Event()

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal refused
        while not stop.is_set():
            tx = fresh(template)
            headers = {"X-Sentry-Auth": f"Sentry sentry_key={project.public_key}"}
            try:
                async with session.post(
                    f"{server.url}/api/{project.id}/envelope/", data=envelope(tx), headers=headers
                ) as resp:
                    if resp.status == 200:
                        acked.add(tx["contexts"]["trace"]["trace_id"])
                    else:
                        assert resp.status == 429, await resp.text()
                        refused += 1
            except (aiohttp.ClientError, TimeoutError):
                refused += 1
                await asyncio.sleep(0.05)

    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        workers = [asyncio.create_task(worker(session)) for _ in range(12)]
        await asyncio.sleep(1.5)
        await asyncio.to_thread(server.kill)
        await asyncio.sleep(0.3)
        await asyncio.to_thread(server.start)
        await asyncio.sleep(1.5)
        stop.set()
        await asyncio.gather(*workers)

    rows: list[Any] = await own_database.fetch(
        "SELECT replace(trace_id::text, '-', '') AS t, count(*) AS n FROM transactions "
        "WHERE project_id = $1 GROUP BY 1", project.id,
    )  # fmt: skip
    stored = {r["t"]: r["n"] for r in rows}
    assert acked, "no transaction was acknowledged"
    assert acked <= set(stored), f"{len(acked - set(stored))} acknowledged transactions lost"
    assert set(stored.values()) == {1}
    (counts,) = await own_database.fetch(
        "SELECT (SELECT count(*) FROM spans WHERE project_id = $1) AS spans, "
        "(SELECT sum(count) FROM route_stats WHERE project_id = $1 AND resolution = 'minute') "
        "AS minutes, "
        "(SELECT sum(count) FROM route_stats WHERE project_id = $1 AND resolution = 'day') AS days",
        project.id,
    )  # fmt: skip
    assert counts["spans"] == 5 * len(stored)
    assert counts["minutes"] == counts["days"] == len(stored)
