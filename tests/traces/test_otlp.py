"""OpenTelemetry: the real OTel Python SDK's OTLP/HTTP protobuf exporter, OTLP/JSON posts,
the accepted key forms, and bad bodies refused with a clear 400 and nothing stored."""

from __future__ import annotations

import asyncio
import gzip
import time
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp.test_utils import TestClient

from support import Api
from traces.apps import OTEL_APP, run_script

Client = TestClient[Any, Any]


async def _count(database_url: str, table: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


async def _project(api: Api) -> tuple[Any, dict[str, Any], str]:
    owner = await api.account()
    project = await api.project(owner)
    return owner, project, project["ingest_key"]["public_key"]


async def test_otel_sdk_protobuf_export_is_stored_as_routes_and_spans(
    client: Client, api: Api, tmp_path: Path
) -> None:
    owner, project, key = await _project(api)
    pid = project["id"]
    endpoint = f"http://{client.host}:{client.port}/v1/traces"

    out = await run_script(tmp_path / "otel", OTEL_APP, endpoint, key)
    assert "SUCCESS" in out

    resp = await client.get(f"/api/v1/projects/{pid}/routes?window=1h", headers=owner.headers)
    (row,) = (await resp.json())["items"]
    assert (row["route"], row["environment"]) == ("GET /cart/{id}", "prod")
    assert (row["count"], row["errors"]) == (3, 1)
    resp = await client.get(
        f"/api/v1/projects/{pid}/routes/detail",
        params={"route": "GET /cart/{id}", "window": "1h"}, headers=owner.headers,
    )  # fmt: skip
    detail = await resp.json()
    (group,) = detail["span_groups"]
    assert (group["op"], group["description"]) == ("db", "SELECT * FROM carts WHERE id = ?")
    assert group["count"] == 3 and group["total_ms"] >= 30
    (snap,) = detail["snapshots"]
    resp = await client.get(
        f"/api/v1/projects/{pid}/traces/{snap['trace_id']}", headers=owner.headers
    )
    root, child = (await resp.json())["items"]
    assert root["snapshot"]["request"]["headers"]["authorization"] == "[Filtered]"
    assert (child["depth"], child["op"]) == (1, "db")
    assert child["data"]["code.function"] == "load_cart"


def _json_export(trace: str, spans: list[dict[str, Any]]) -> bytes:
    now = time.time_ns()
    for span in spans:
        span.setdefault("traceId", trace)
        span.setdefault("startTimeUnixNano", str(now))
        span.setdefault("endTimeUnixNano", str(now + 5_000_000))
    return orjson.dumps({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
        "scopeSpans": [{"scope": {"name": "manual"}, "spans": spans}],
    }]})  # fmt: skip


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param(lambda k: ({"X-Railguard-Key": k}, ""), id="x-railguard-key"),
        pytest.param(lambda k: ({"X-Sentry-Auth": f"Sentry sentry_key={k}"}, ""),
                     id="x-sentry-auth"),
        pytest.param(lambda k: ({"Authorization": f"Sentry sentry_key={k}"}, ""),
                     id="authorization"),
        pytest.param(lambda k: ({}, f"?sentry_key={k}"), id="query"),
    ],
)  # fmt: skip
async def test_otlp_json_with_every_key_form(
    client: Client, api: Api, database_url: str, auth: Any
) -> None:
    owner, project, key = await _project(api)
    headers, query = auth(key)
    trace = "5b8efff798038103d269b633813fc60c"
    body = _json_export(trace, [
        {"spanId": "eee19b7ec3c1b174", "name": "POST /pay", "kind": 2,
         "status": {"code": 2, "message": "declined"}},
        {"spanId": "eee19b7ec3c1b175", "parentSpanId": "eee19b7ec3c1b174", "name": "charge",
         "kind": 3},
    ])  # fmt: skip
    resp = await client.post(
        f"/v1/traces{query}", data=body,
        headers={**headers, "Content-Type": "application/json"},
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {}
    resp = await client.get(
        f"/api/v1/projects/{project['id']}/traces/{trace}", headers=owner.headers
    )
    items = (await resp.json())["items"]
    assert [(i["kind"], i["name"], i["depth"], i["failed"]) for i in items] == [
        ("transaction", "POST /pay", 0, True),
        ("span", "charge", 1, False),
    ]


async def test_otlp_partial_success_names_the_rejected_spans(client: Client, api: Api) -> None:
    _, _, key = await _project(api)
    body = _json_export("5b8efff798038103d269b633813fc60d", [
        {"spanId": "aaaaaaaaaaaaaaaa", "name": "GET /ok", "kind": 2},
        {"spanId": "", "name": "no id", "kind": 2},
    ])  # fmt: skip
    resp = await client.post(
        "/v1/traces", data=body,
        headers={"X-Railguard-Key": key, "Content-Type": "application/json"},
    )  # fmt: skip
    assert resp.status == 200
    partial = (await resp.json())["partialSuccess"]
    assert partial["rejectedSpans"] == "1"  # int64 is a string in protobuf's JSON mapping
    assert "spanId" in partial["errorMessage"]


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("application/x-protobuf", b"\xff\xff\xff not protobuf", "protobuf"),
        ("application/json", b"{not json", "not valid JSON"),
        ("application/json", b"[1, 2]", "resourceSpans"),
        ("application/json", b'{"resourceSpans": [{"scopeSpans": 7}]}', "OTLP/JSON"),
        ("text/plain", b"hello", "application/x-protobuf or application/json"),
    ],
)
async def test_bad_otlp_bodies_are_a_clear_400_and_store_nothing(
    client: Client, api: Api, database_url: str, content_type: str, body: bytes, reason: str
) -> None:
    _, _, key = await _project(api)
    good = _json_export("5b8efff798038103d269b633813fc60e", [
        {"spanId": "bbbbbbbbbbbbbbbb", "name": "GET /before", "kind": 2},
    ])  # fmt: skip
    headers = {"X-Railguard-Key": key, "Content-Type": "application/json"}
    assert (await client.post("/v1/traces", data=good, headers=headers)).status == 200

    resp = await client.post(
        "/v1/traces", data=body, headers={"X-Railguard-Key": key, "Content-Type": content_type}
    )
    assert resp.status == 400
    assert reason in (await resp.json())["error"]["message"]
    assert await _count(database_url, "transactions") == 1  # the earlier export is intact


async def test_otlp_without_or_with_a_wrong_key_is_401(client: Client, api: Api) -> None:
    await _project(api)
    body = _json_export("5b8efff798038103d269b633813fc60f", [{"spanId": "c" * 16, "name": "x"}])
    for headers in ({}, {"X-Railguard-Key": "0" * 32}):
        resp = await client.post(
            "/v1/traces", data=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert resp.status == 401, await resp.text()


async def test_resent_export_is_stored_and_counted_once(client: Client, api: Api) -> None:
    owner, project, key = await _project(api)
    body = _json_export("5b8efff798038103d269b633813fc610", [
        {"spanId": "dddddddddddddddd", "name": "GET /twice", "kind": 2},
        {"spanId": "dddddddddddddd01", "parentSpanId": "dddddddddddddddd", "name": "q"},
    ])  # fmt: skip
    headers = {"X-Railguard-Key": key, "Content-Type": "application/json"}
    replies = await asyncio.gather(
        *(client.post("/v1/traces", data=body, headers=headers) for _ in range(3))
    )
    assert [r.status for r in replies] == [200, 200, 200]
    resp = await client.get(
        f"/api/v1/projects/{project['id']}/routes?window=1h", headers=owner.headers
    )
    (row,) = (await resp.json())["items"]
    assert row["count"] == 1


async def test_gzipped_otlp_json_is_accepted(client: Client, api: Api) -> None:
    owner, project, key = await _project(api)
    trace = "5b8efff798038103d269b633813fc611"
    body = gzip.compress(_json_export(trace, [{"spanId": "e" * 16, "name": "GET /gz", "kind": 2}]))
    resp = await client.post(
        "/v1/traces", data=body,
        headers={"X-Railguard-Key": key, "Content-Type": "application/json",
                 "Content-Encoding": "gzip"},
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    resp = await client.get(
        f"/api/v1/projects/{project['id']}/traces/{trace}", headers=owner.headers
    )
    assert [i["name"] for i in (await resp.json())["items"]] == ["GET /gz"]
