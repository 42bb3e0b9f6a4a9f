"""Stored spans (transactions included) and log records count into their organisation's monthly
usage, in the writers' own transactions: usage is what the tables hold; another organisation's
usage does not move."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import orjson
from aiohttp.test_utils import TestClient

from support import Api

Client = TestClient[Any, Any]
TRACE = "5b8efff798038103d269b633813fc60c"


def _spans() -> bytes:
    now = time.time_ns()
    spans: list[dict[str, Any]] = [
        {"spanId": "eee19b7ec3c1b174", "name": "POST /pay", "kind": 2},
        {"spanId": "eee19b7ec3c1b175", "parentSpanId": "eee19b7ec3c1b174", "name": "charge"},
        {"spanId": "eee19b7ec3c1b176", "parentSpanId": "eee19b7ec3c1b174", "name": "notify"},
    ]
    for span in spans:
        span.update(traceId=TRACE, startTimeUnixNano=str(now), endTimeUnixNano=str(now + 10**6))
    return orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]})


def _logs(*bodies: str) -> bytes:
    records = [
        {"timeUnixNano": str(time.time_ns()), "severityText": "INFO", "body": {"stringValue": b}}
        for b in bodies
    ]
    return orjson.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": records}]}]})


async def _usage(client: Client, owner: Any, organization_id: int) -> dict[str, Any]:
    resp = await client.get(f"/api/v1/organizations/{organization_id}/usage",
                            headers=owner.headers)  # fmt: skip
    assert resp.status == 200, await resp.text()
    (month,) = (await resp.json())["months"]
    return dict(month)


async def test_spans_and_logs_count_into_the_organisations_month(
    client: Client, api: Api, database_url: str
) -> None:
    owner, bystander = await api.account(), await api.account()
    project, other = await api.project(owner), await api.project(bystander)
    headers = {"Content-Type": "application/json",
               "X-Railguard-Key": project["ingest_key"]["public_key"]}  # fmt: skip
    resp = await client.post("/v1/traces", data=_spans(), headers=headers)
    assert resp.status == 200, await resp.text()
    resp = await client.post("/v1/logs", data=_logs("one", "two"), headers=headers)
    assert resp.status == 200, await resp.text()

    month = await _usage(client, owner, project["organization_id"])
    conn = await asyncpg.connect(database_url)
    try:
        stored = await conn.fetchval(
            "SELECT (SELECT count(*) FROM transactions) + (SELECT count(*) FROM spans)"
        )
    finally:
        await conn.close()
    assert (month["spans"], month["logs"], month["events"]) == (stored, 2, 0)
    assert month["spans"] == 3  # POST /pay and its two child spans
    resp = await client.get(f"/api/v1/organizations/{other['organization_id']}/usage",
                            headers=bystander.headers)  # fmt: skip
    assert (await resp.json())["months"] == []
