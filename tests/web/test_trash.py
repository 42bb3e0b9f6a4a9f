"""Soft delete through the JSON API: deleted incidents and projects leave lists, search and the
editor API, a deleted project's keys refuse events, the trash restores everything, and the
periodic maintenance purges what is older than 30 days."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from railguard.server import retention
from support import Api
from webkit import incidents_of, report


async def _send(client: TestClient[Any, Any], project: dict[str, Any], **fields: Any) -> int:
    resp = await client.post(
        "/api/v1/events", json={"error_type": "KeyError", "message": "'x'", "frames": [
            {"filename": "shop/billing.py", "function": "load_invoice", "lineno": 2,
             "in_app": True}], **fields},
        headers={"X-Railguard-Key": project["ingest_key"]["public_key"]},
    )  # fmt: skip
    return resp.status


async def test_deleted_incidents_hide_everywhere_and_come_back_with_new_events(
    client: TestClient[Any, Any], api: Api
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    h, pid = owner.headers, project["id"]
    await report(client, project)
    (incident,) = await incidents_of(client, h, pid, 1)
    iid = incident["id"]

    assert (await client.delete(f"/api/v1/incidents/{iid}", headers=h)).status == 204
    assert (await client.get(f"/api/v1/incidents/{iid}", headers=h)).status == 404
    assert (await client.delete(f"/api/v1/incidents/{iid}", headers=h)).status == 404
    listed = await (await client.get(f"/api/v1/projects/{pid}/incidents", headers=h)).json()
    assert listed["items"] == [], "the editor API no longer lists it"
    found = await (await client.get("/api/v1/search/incidents", headers=h,
                                    params={"q": "load_invoice"})).json()  # fmt: skip
    assert found["items"] == []
    trash = await (await client.get("/api/v1/trash", headers=h)).json()
    assert [(t["kind"], t["id"]) for t in trash] == [("incident", iid)]
    assert trash[0]["title"].startswith("KeyError")

    await report(client, project)  # stored on the deleted incident, still hidden
    await asyncio.sleep(0.3)
    listed = await (await client.get(f"/api/v1/projects/{pid}/incidents", headers=h)).json()
    assert listed["items"] == []

    resp = await client.post(f"/api/v1/incidents/{iid}/restore", headers=h)
    assert resp.status == 200 and await resp.json() == {"kind": "incident", "id": iid}
    (back,) = await incidents_of(client, h, pid, 1)
    assert back["id"] == iid and back["event_count"] == 2
    assert await (await client.get("/api/v1/trash", headers=h)).json() == []
    assert (await client.post(f"/api/v1/incidents/{iid}/restore", headers=h)).status == 404
    kinds = [a["kind"] for a in await (await client.get(
        f"/api/v1/incidents/{iid}/activity", headers=h)).json()]  # fmt: skip
    assert kinds == ["deleted", "restored"]


async def test_a_deleted_project_refuses_events_until_restored(
    client: TestClient[Any, Any], api: Api
) -> None:
    owner, member = await api.account(), await api.account()
    project = await api.project(owner)
    h, pid = owner.headers, project["id"]
    await report(client, project)
    await incidents_of(client, h, pid, 1)
    assert (await client.delete(f"/api/v1/projects/{pid}", headers=h)).status == 204

    resp = await client.post(
        "/api/v1/events", json={"error_type": "E", "message": "m"},
        headers={"X-Railguard-Key": project["ingest_key"]["public_key"]},
    )  # fmt: skip
    assert resp.status == 403
    assert "restore it from the trash" in await resp.text()
    assert (await client.get(f"/api/v1/projects/{pid}", headers=h)).status == 404
    trash = await (await client.get("/api/v1/trash", headers=h)).json()
    assert [(t["kind"], t["id"]) for t in trash] == [("project", pid)]
    assert await (await client.get("/api/v1/trash", headers=member.headers)).json() == []
    resp = await client.post(f"/api/v1/projects/{pid}/restore", headers=member.headers)
    assert resp.status == 404, "another person cannot restore it"

    resp = await client.post(f"/api/v1/projects/{pid}/restore", headers=h)
    assert resp.status == 200, await resp.text()
    assert await _send(client, project) == 201
    (incident,) = await incidents_of(client, h, pid, 1)
    got: dict[str, Any] = {}
    for _ in range(100):
        got = await (await client.get(f"/api/v1/incidents/{incident['id']}", headers=h)).json()
        if got["event_count"] == 2:
            break
        await asyncio.sleep(0.05)
    assert got["event_count"] == 2


async def test_maintenance_purges_the_trash_after_30_days(
    client: TestClient[Any, Any], api: Api, database_url: str
) -> None:
    owner = await api.account()
    gone, kept = await api.project(owner), await api.project(owner)
    h = owner.headers
    for project in (gone, kept):
        await report(client, project)
        await report(client, project, error_type="ValueError", function="parse")
    old_incident, young_incident = await incidents_of(client, h, kept["id"], 2)
    await incidents_of(client, h, gone["id"], 2)
    await asyncio.sleep(0.3)
    assert (await client.delete(f"/api/v1/projects/{gone['id']}", headers=h)).status == 204
    for i in (old_incident, young_incident):
        assert (await client.delete(f"/api/v1/incidents/{i['id']}", headers=h)).status == 204

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE projects SET deleted_at = now() - interval '31 days' "
                           "WHERE id = $1", gone["id"])  # fmt: skip
        await conn.execute("UPDATE incidents SET deleted_at = now() - interval '31 days' "
                           "WHERE id = $1", old_incident["id"])  # fmt: skip
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
        try:
            report_ = await retention.run_once(pool, retention_days=90, ahead_days=3)
        finally:
            await pool.close()
        assert report_.purged == 2
        projects = {r["id"] for r in await conn.fetch("SELECT id FROM projects")}
        assert gone["id"] not in projects and kept["id"] in projects
        incidents = {r["id"] for r in await conn.fetch("SELECT id FROM incidents")}
        assert incidents == {young_incident["id"]}
        events = await conn.fetch("SELECT project_id, incident_id FROM events")
        assert {(r["project_id"], r["incident_id"]) for r in events} == {
            (kept["id"], young_incident["id"])
        }
    finally:
        await conn.close()
    trash = await (await client.get("/api/v1/trash", headers=h)).json()
    assert [(t["kind"], t["id"]) for t in trash] == [("incident", young_incident["id"])]


async def test_a_deleted_incident_that_regresses_decides_no_alert(
    client: TestClient[Any, Any], api: Api, database_url: str
) -> None:
    """New projects alert on regressions in production; not for an incident in the trash."""
    owner = await api.account()
    project = await api.project(owner)
    h = owner.headers
    await report(client, project, environment="production")
    (incident,) = await incidents_of(client, h, project["id"], 1)
    iid = incident["id"]
    resp = await client.post(f"/api/v1/incidents/{iid}/resolve", json={}, headers=h)
    assert resp.status == 200
    assert (await client.delete(f"/api/v1/incidents/{iid}", headers=h)).status == 204
    await report(client, project, environment="production")
    conn = await asyncpg.connect(database_url)
    try:
        row = None
        for _ in range(100):
            row = await conn.fetchrow("SELECT status, regression_count FROM incidents "
                                      "WHERE id = $1", iid)  # fmt: skip
            if row and row["regression_count"] == 1:
                break
            await asyncio.sleep(0.05)
        assert row is not None and row["status"] == "open", "it did regress"
        rows = await conn.fetch(
            "SELECT trigger FROM alert_outbox WHERE incident_id = $1 ORDER BY id", iid
        )
        triggers = [r["trigger"] for r in rows]
        assert triggers == ["new"], "the regression of a deleted incident is not alerted"
    finally:
        await conn.close()
