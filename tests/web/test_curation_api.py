"""Merge and unmerge, users affected, and similar incidents, on incidents made from real
`sentry_sdk` events, through the JSON API (the pages call the same code)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

import sdkapp
from support import Account, Api
from webkit import incidents_of


async def _by_function(
    client: TestClient[Any, Any], owner: Account, project_id: int, count: int
) -> dict[str, dict[str, Any]]:
    items = await incidents_of(client, owner.headers, project_id, count)
    return {i["top_frame"]["function"]: i for i in items}


async def _wait_for(
    client: TestClient[Any, Any], owner: Account, iid: int, **want: Any
) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for _ in range(400):
        got = await (await client.get(f"/api/v1/incidents/{iid}", headers=owner.headers)).json()
        if all(got.get(k) == v for k, v in want.items()):
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"incident {iid} never had {want}: {got}")


async def _list_ids(client: TestClient[Any, Any], owner: Account, pid: int, **q: str) -> list[int]:
    resp = await client.get("/api/v1/search/incidents", headers=owner.headers,
                            params={"project_id": str(pid), **q})  # fmt: skip
    assert resp.status == 200, await resp.text()
    return [i["id"] for i in (await resp.json())["items"]]


async def test_similar_errors_rank_above_unrelated_ones_and_users_are_counted(
    client: TestClient[Any, Any], api: Api, tmp_path: Path
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    await sdkapp.report(tmp_path, project["ingest_key"]["dsn"], "invoice:ann", "invoice:bob",
                        "invoice:ann", "lines:ann", "average:cy", "connect:dee")  # fmt: skip
    found = await _by_function(client, owner, project["id"], 4)
    invoice = await _wait_for(client, owner, found["load_invoice"]["id"], event_count=3)
    assert invoice["user_count"] == 2, "ann twice and bob: two users"
    assert found["load_invoice_lines"]["user_count"] == 1

    resp = await client.get(f"/api/v1/incidents/{invoice['id']}/similar", headers=owner.headers)
    assert resp.status == 200
    similar = await resp.json()
    assert similar and similar[0]["id"] == found["load_invoice_lines"]["id"]
    assert similar[0]["score"] > 0.5
    unrelated = {found["average"]["id"], found["connect"]["id"]}
    ranked = [s["id"] for s in similar]
    assert all(ranked.index(u) > 0 for u in unrelated if u in ranked)
    scores = {s["id"]: s["score"] for s in similar}
    assert all(scores[u] < scores[ranked[0]] for u in unrelated if u in scores)

    by_users = await _list_ids(client, owner, project["id"], sort="users")
    assert by_users[0] == invoice["id"]
    page = await (await client.get("/api/v1/search/incidents", headers=owner.headers, params={
        "project_id": str(project["id"]), "sort": "users", "limit": "1"})).json()  # fmt: skip
    rest = await _list_ids(client, owner, project["id"], sort="users", cursor=page["next_cursor"])
    assert [page["items"][0]["id"], *rest] == by_users, "the users cursor pages without gaps"


async def test_merge_routes_new_events_to_the_target_and_unmerge_gives_them_back(
    client: TestClient[Any, Any], api: Api, tmp_path: Path
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    dsn, h = project["ingest_key"]["dsn"], owner.headers
    await sdkapp.report(tmp_path, dsn, "invoice:ann", "invoice:bob", "lines:ann", "lines:cy")
    found = await _by_function(client, owner, project["id"], 2)
    target = await _wait_for(client, owner, found["load_invoice"]["id"], event_count=2)
    source = await _wait_for(client, owner, found["load_invoice_lines"]["id"], event_count=2)
    tid, sid = target["id"], source["id"]

    resp = await client.post(f"/api/v1/incidents/{tid}/merge", json={"incident_ids": [sid]},
                             headers=h)  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"target_id": tid, "merged_ids": [sid]}
    merged = await _wait_for(client, owner, tid, event_count=4)
    assert merged["user_count"] == 3, "ann, bob and cy"
    stats = await (await client.get(f"/api/v1/incidents/{tid}/stats", headers=h)).json()
    assert stats["daily"][-1] == 4 and sum(stats["hourly"]) == 4
    assert merged["first_seen"] <= target["first_seen"]
    assert (await (await client.get(f"/api/v1/incidents/{sid}", headers=h)).json())[
        "merged_into"] == tid  # fmt: skip
    assert await _list_ids(client, owner, project["id"]) == [tid], "the source is hidden"
    assert await _list_ids(client, owner, project["id"], q="lines") == []
    events = await (await client.get(f"/api/v1/incidents/{tid}/events", headers=h)).json()
    assert len(events["items"]) == 4, "the target shows the merged incident's events"
    listed = await (await client.get(f"/api/v1/incidents/{tid}/merged", headers=h)).json()
    assert [m["id"] for m in listed] == [sid] and listed[0]["merged_by_email"] == owner.email

    # A new event for the merged fingerprint lands on the target.
    await sdkapp.report(tmp_path, dsn, "lines:dee")
    after = await _wait_for(client, owner, tid, event_count=5)
    assert after["user_count"] == 4 and after["last_seen"] >= merged["last_seen"]
    assert await _list_ids(client, owner, project["id"]) == [tid]

    # Refusals change nothing.
    bad = [({"incident_ids": [tid]}, 422), ({"incident_ids": [sid]}, 409),
           ({"incident_ids": []}, 422)]  # fmt: skip
    for body, status in bad:
        resp = await client.post(f"/api/v1/incidents/{tid}/merge", json=body, headers=h)
        assert resp.status == status, (body, await resp.text())
    resp = await client.post(f"/api/v1/incidents/{sid}/merge", json={"incident_ids": [tid]},
                             headers=h)  # fmt: skip
    assert resp.status == 409, "a merged incident cannot become a target"
    other = await api.project(owner)
    await sdkapp.report(tmp_path, other["ingest_key"]["dsn"], "average:ann")
    (foreign,) = await incidents_of(client, h, other["id"], 1)
    resp = await client.post(f"/api/v1/incidents/{tid}/merge",
                             json={"incident_ids": [foreign["id"]]}, headers=h)  # fmt: skip
    assert resp.status == 422, "only incidents of one project merge"
    assert (await client.post(f"/api/v1/incidents/{tid}/unmerge", headers=h)).status == 409

    # Unmerge: the source comes back with its own events, and the target with its own numbers.
    resp = await client.post(f"/api/v1/incidents/{sid}/unmerge", headers=h)
    assert resp.status == 200 and (await resp.json())["former_target_id"] == tid
    back = await _wait_for(client, owner, sid, event_count=3, merged_into=None)
    assert back["user_count"] == 3, "ann, cy and dee"
    restored = await _wait_for(client, owner, tid, event_count=2)
    assert restored["user_count"] == 2
    assert restored["first_seen"] == target["first_seen"]
    assert sorted(await _list_ids(client, owner, project["id"])) == sorted([tid, sid])
    own = await (await client.get(f"/api/v1/incidents/{sid}/events", headers=h)).json()
    assert len(own["items"]) == 3
    theirs = await (await client.get(f"/api/v1/incidents/{tid}/events", headers=h)).json()
    assert len(theirs["items"]) == 2
    kinds = [a["kind"] for a in await (await client.get(
        f"/api/v1/incidents/{tid}/activity", headers=h)).json()]  # fmt: skip
    assert kinds == ["merged_in", "unmerged_out"]
    kinds = [a["kind"] for a in await (await client.get(
        f"/api/v1/incidents/{sid}/activity", headers=h)).json()]  # fmt: skip
    assert kinds == ["merged", "unmerged"]


async def test_the_curation_endpoints_are_documented(client: TestClient[Any, Any]) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    i = "/api/v1/incidents/{incident_id}"
    for path, method in [(i + "/merge", "post"), (i + "/unmerge", "post"), (i + "/merged", "get"),
                         (i + "/similar", "get"), (i, "delete"), (i + "/restore", "post"),
                         ("/api/v1/projects/{project_id}/restore", "post"),
                         ("/api/v1/trash", "get")]:  # fmt: skip
        assert method in doc["paths"][path], (method, path)
    sort = next(p for p in doc["paths"]["/api/v1/search/incidents"]["get"]["parameters"]
                if p["name"] == "sort")  # fmt: skip
    assert "users" in sort["description"]
