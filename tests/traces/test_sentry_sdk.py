"""The real Python `sentry_sdk` with `traces_sample_rate=1.0` in an instrumented aiohttp app:
its transactions and spans are stored, and become routes, span groups, snapshots and a
waterfall linked to the error of the same request."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from support import Api
from traces.apps import SENTRY_APP, run_script


async def _routes(client: TestClient[Any, Any], headers: dict[str, str], pid: int) -> Any:
    body: Any = None
    for _ in range(50):
        resp = await client.get(f"/api/v1/projects/{pid}/routes?window=1h", headers=headers)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        if sum(r["count"] for r in body["items"]) >= 4:
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"transactions not stored: {body}")


async def test_aiohttp_app_under_sentry_sdk_gives_routes_spans_snapshots_and_waterfall(
    client: TestClient[Any, Any], api: Api, tmp_path: Path
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    dsn = project["dsn"].replace("127.0.0.1:8000", f"{client.host}:{client.port}")

    await run_script(tmp_path / "shop", SENTRY_APP, dsn)

    table = await _routes(client, owner.headers, pid)
    (row,) = table["items"]
    assert row["route"] == "GET /orders/{id}"
    assert row["environment"] == "staging"
    assert row["count"] == 4
    assert row["errors"] == 1  # the ZeroDivisionError request: status internal_error
    assert row["p50_ms"] >= 25 * (1 - table["relative_error"])

    resp = await client.get(
        f"/api/v1/projects/{pid}/routes/detail",
        params={"route": "GET /orders/{id}", "window": "1h"}, headers=owner.headers,
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    detail = await resp.json()
    assert sum(p["count"] for p in detail["series"]) == 4
    groups = {(g["op"], g["description"]): g for g in detail["span_groups"]}
    db = groups["db", "SELECT * FROM orders WHERE id = ?"]
    assert db["count"] == 4
    assert db["total_ms"] >= 4 * 20  # each request sleeps 20 ms in the query span
    route_total = sum(p["avg_ms"] * p["count"] for p in detail["series"])
    assert abs(db["share"] - db["total_ms"] / route_total) < 1e-6
    assert 0 < db["share"] < 1
    assert groups["http.client", "GET http://pricing/quote"]["count"] == 4
    (snap,) = detail["snapshots"]  # only the failed one (none is slower than 1 s)
    assert snap["failed"]

    resp = await client.get(
        f"/api/v1/projects/{pid}/traces/{snap['trace_id']}", headers=owner.headers
    )
    assert resp.status == 200, await resp.text()
    fall = await resp.json()
    root, *children = fall["items"]
    assert root["kind"] == "transaction" and root["depth"] == 0 and root["failed"]
    assert root["offset_ms"] == 0
    headers = {k.lower(): v for k, v in root["snapshot"]["request"]["headers"].items()}
    assert headers["authorization"] == "[Filtered]"
    assert headers["x-shop"] == "blue"
    assert [c["op"] for c in children] == ["db", "http.client"]
    assert all(c["depth"] == 1 and c["offset_ms"] >= 0 for c in children)
    (error,) = fall["errors"]
    assert error["error_type"] == "ZeroDivisionError"

    # Another tenant sees none of it.
    other = await api.account()
    resp = await client.get(f"/api/v1/projects/{pid}/routes", headers=other.headers)
    assert resp.status == 404
    resp = await client.get(
        f"/api/v1/projects/{pid}/traces/{snap['trace_id']}", headers=other.headers
    )
    assert resp.status == 404
