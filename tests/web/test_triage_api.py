"""The triage API the pages share: comments, stats, events with paging and one event's payload,
and their place in the OpenAPI document."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from support import Api
from webkit import incidents_of, report


async def test_comments_stats_and_event_pages(client: TestClient[Any, Any], api: Api) -> None:
    owner = await api.account()
    project = await api.project(owner)
    for n in range(3):
        await report(client, project, environment="staging" if n else "production",
                     release="shop@1.0", tags={"n": str(n)})  # fmt: skip
    (incident,) = await incidents_of(client, owner.headers, project["id"], 1)
    base, h = f"/api/v1/incidents/{incident['id']}", owner.headers
    for _ in range(200):  # the writer is asynchronous: wait for the three events
        if (await (await client.get(base, headers=h)).json())["event_count"] == 3:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the three events were not all written")

    resp = await client.post(base + "/comments", json={"body": "first"}, headers=h)
    assert resp.status == 201 and (await resp.json())["author_email"] == owner.email
    resp = await client.post(base + "/comments", json={"body": ""}, headers=h)
    assert resp.status == 422
    comments = await (await client.get(base + "/comments", headers=h)).json()
    assert [c["body"] for c in comments] == ["first"]

    stats = await (await client.get(base + "/stats", headers=h)).json()
    assert sum(stats["hourly"]) == 3 and len(stats["hourly"]) == 24
    assert sum(stats["daily"]) == 3 and len(stats["daily"]) == 14
    assert stats["daily"][-1] == 3, "today is the last bucket"
    assert stats["environments"] == {"staging": 2, "production": 1}
    assert stats["releases"] == {"shop@1.0": 3}

    page = await (await client.get(base + "/events?limit=2", headers=h)).json()
    assert len(page["items"]) == 2 and page["next_before"]
    rest = await (await client.get(base + "/events", params={"limit": "2",
                  "before": page["next_before"]}, headers=h)).json()  # fmt: skip
    assert len(rest["items"]) == 1 and rest["next_before"] is None
    seen = {e["event_id"] for e in page["items"] + rest["items"]}
    assert len(seen) == 3
    one = rest["items"][0]["event_id"]
    detail = await (await client.get(f"{base}/events/{one}", headers=h)).json()
    assert detail["event_id"] == one and isinstance(detail["payload"], dict)
    assert (await client.get(f"{base}/events/{'0' * 32}", headers=h)).status == 404
    assert (await client.get(f"{base}/events/not-hex", headers=h)).status == 422
    assert (await client.get(base + "/events?limit=0", headers=h)).status == 422


async def test_the_triage_endpoints_are_documented(client: TestClient[Any, Any]) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    paths = doc["paths"]
    for path, method in [
        ("/api/v1/search/incidents", "get"),
        ("/api/v1/incidents/bulk", "post"),
        ("/api/v1/incidents/{incident_id}/assign", "post"),
        ("/api/v1/incidents/{incident_id}/comments", "get"),
        ("/api/v1/incidents/{incident_id}/comments", "post"),
        ("/api/v1/incidents/{incident_id}/activity", "get"),
        ("/api/v1/incidents/{incident_id}/stats", "get"),
        ("/api/v1/incidents/{incident_id}/events", "get"),
        ("/api/v1/incidents/{incident_id}/events/{event}", "get"),
    ]:
        assert method in paths[path], (method, path)
    (event_param,) = [p for p in paths["/api/v1/incidents/{incident_id}/events/{event}"]["get"]
                      ["parameters"] if p["name"] == "event"]  # fmt: skip
    assert event_param["schema"] == {"type": "string"}
    # The API under /api/v1/, the device grant's two OAuth endpoints (docs/sign-in.md) and the
    # part of Sentry's API that sentry-cli calls to upload source maps (docs/source-maps.md).
    assert all(p.startswith(("/api/v1/", "/oauth/", "/api/0/organizations/")) for p in paths)
