"""Another person's ids on every page and every form of the web app, and on the triage API:
always 404 (indistinguishable from ids that do not exist), and nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from support import Account, Api
from webkit import Browser, incidents_of, report


@pytest.fixture
async def bob_browser(client: TestClient[Any, Any]) -> AsyncIterator[Browser]:
    b = Browser(client)
    yield b
    await b.close()


async def test_another_tenants_ids_are_404_on_every_page_form_and_api(
    client: TestClient[Any, Any], api: Api, bob_browser: Browser
) -> None:
    alice, bob = await api.account(), await api.account()
    project = await api.project(alice)
    own = await api.project(bob)
    await report(client, project)
    await report(client, own)
    (incident,) = await incidents_of(client, alice.headers, project["id"], 1)
    (bobs,) = await incidents_of(client, bob.headers, own["id"], 1)
    events = await (await client.get(f"/api/v1/incidents/{incident['id']}/events",
                                     headers=alice.headers)).json()  # fmt: skip
    event_hex = events["items"][0]["event_id"]
    pid, iid, kid = project["id"], incident["id"], project["ingest_key"]["id"]

    await bob_browser.sign_in(bob.email)
    pages = [f"/projects/{pid}", f"/projects/{pid}/settings", f"/projects/{pid}/live",
             f"/incidents/{iid}", f"/incidents/{iid}?event={event_hex}"]  # fmt: skip
    for path in pages:
        status, body, resp = await bob_browser.get(path)
        assert status == 404, path
        assert resp.content_type == "text/html" and "No such" in body, path
    forms: list[tuple[str, Any]] = [
        (f"/projects/{pid}/settings", {"name": "pwned"}),
        (f"/projects/{pid}/keys", {"label": "pwned"}),
        (f"/projects/{pid}/keys/{kid}/revoke", {}),
        (f"/projects/{pid}/privacy", {"scrub_emails": "on"}),
        (f"/incidents/{iid}/status", {"action": "resolve"}),
        (f"/incidents/{iid}/assign", {"assignee_id": str(bob.id)}),
        (f"/incidents/{iid}/comments", {"body": "pwned"}),
        ("/incidents/bulk", [("action", "resolve"), ("incident", str(bobs["id"])),
                             ("incident", str(iid)), ("return_to", "/incidents")]),
        (f"/incidents/{iid}/merge", {"incident": str(bobs["id"])}),
        (f"/incidents/{bobs['id']}/merge", {"incident": str(iid)}),
        (f"/incidents/{iid}/unmerge", {}),
        (f"/incidents/{iid}/delete", {}),
        (f"/incidents/{iid}/restore", {}),
        (f"/projects/{pid}/delete", {}),
        (f"/projects/{pid}/restore", {}),
    ]  # fmt: skip
    for path, data in forms:
        status, _, _ = await bob_browser.post(path, data)
        assert status == 404, path
    # Bob's own page works, and lists only his incident.
    status, body, _ = await bob_browser.get("/incidents")
    assert status == 200 and f"/incidents/{bobs['id']}" in body and f'/incidents/{iid}"' not in body

    await _api_is_404_for(client, bob, pid, iid, event_hex)
    resp = await client.post(f"/api/v1/incidents/{bobs['id']}/merge", headers=bob.headers,
                             json={"incident_ids": [iid]})  # fmt: skip
    assert resp.status == 404
    both = {"action": "resolve", "incident_ids": [bobs["id"], iid]}
    resp = await client.post("/api/v1/incidents/bulk", headers=bob.headers, json=both)
    assert resp.status == 404
    await _nothing_changed(client, alice, project, iid)
    bob_after = (await incidents_of(client, bob.headers, own["id"], 1))[0]
    assert bob_after["status"] == "open", "a bulk form with a foreign id changes nothing"


async def _api_is_404_for(
    client: TestClient[Any, Any], bob: Account, pid: int, iid: int, event_hex: str
) -> None:
    h = bob.headers
    calls = [
        ("GET", f"/api/v1/incidents/{iid}/comments", None),
        ("POST", f"/api/v1/incidents/{iid}/comments", {"body": "pwned"}),
        ("POST", f"/api/v1/incidents/{iid}/assign", {"assignee_id": bob.id}),
        ("GET", f"/api/v1/incidents/{iid}/activity", None),
        ("GET", f"/api/v1/incidents/{iid}/stats", None),
        ("GET", f"/api/v1/incidents/{iid}/events", None),
        ("GET", f"/api/v1/incidents/{iid}/events/{event_hex}", None),
        ("GET", f"/api/v1/search/incidents?project_id={pid}", None),
        ("POST", f"/api/v1/incidents/{iid}/merge", {"incident_ids": [iid + 1]}),
        ("POST", f"/api/v1/incidents/{iid}/unmerge", None),
        ("GET", f"/api/v1/incidents/{iid}/merged", None),
        ("GET", f"/api/v1/incidents/{iid}/similar", None),
        ("DELETE", f"/api/v1/incidents/{iid}", None),
        ("POST", f"/api/v1/incidents/{iid}/restore", None),
        ("POST", f"/api/v1/projects/{pid}/restore", None),
    ]
    for method, path, body in calls:
        resp = await client.request(method, path, json=body, headers=h)
        assert resp.status == 404, (method, path, await resp.text())
    found = await (await client.get("/api/v1/search/incidents", headers=h)).json()
    assert iid not in [i["id"] for i in found["items"]]


async def _nothing_changed(
    client: TestClient[Any, Any], alice: Account, project: dict[str, Any], iid: int
) -> None:
    h = alice.headers
    detail = await (await client.get(f"/api/v1/incidents/{iid}", headers=h)).json()
    assert detail["status"] == "open" and detail["assignee_id"] is None
    assert await (await client.get(f"/api/v1/incidents/{iid}/comments", headers=h)).json() == []
    assert await (await client.get(f"/api/v1/incidents/{iid}/activity", headers=h)).json() == []
    keys = await (await client.get(f"/api/v1/projects/{project['id']}/keys", headers=h)).json()
    assert [k["revoked_at"] for k in keys] == [None]
    got = await (await client.get(f"/api/v1/projects/{project['id']}", headers=h)).json()
    assert got["name"] == project["name"]


async def test_only_project_members_can_be_assigned(client: TestClient[Any, Any], api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    project = await api.project(alice)
    await report(client, project)
    (incident,) = await incidents_of(client, alice.headers, project["id"], 1)
    path = f"/api/v1/incidents/{incident['id']}/assign"
    resp = await client.post(path, json={"assignee_id": bob.id}, headers=alice.headers)
    assert resp.status == 422
    resp = await client.post(path, json={"assignee_id": alice.id}, headers=alice.headers)
    assert resp.status == 200 and (await resp.json())["assignee_id"] == alice.id
    resp = await client.post(path, json={"assignee_id": None}, headers=alice.headers)
    assert resp.status == 200 and (await resp.json())["assignee_id"] is None
    kinds = [a["kind"] for a in await (await client.get(
        f"/api/v1/incidents/{incident['id']}/activity", headers=alice.headers)).json()]  # fmt: skip
    assert kinds == ["assigned", "unassigned"]


async def test_another_tenants_trash_cannot_be_seen_or_restored(
    client: TestClient[Any, Any], api: Api, bob_browser: Browser
) -> None:
    alice, bob = await api.account(), await api.account()
    project, doomed = await api.project(alice), await api.project(alice)
    await report(client, project)
    (incident,) = await incidents_of(client, alice.headers, project["id"], 1)
    iid, pid = incident["id"], doomed["id"]
    assert (await client.delete(f"/api/v1/incidents/{iid}", headers=alice.headers)).status == 204
    assert (await client.delete(f"/api/v1/projects/{pid}", headers=alice.headers)).status == 204

    await bob_browser.sign_in(bob.email)
    status, body, _ = await bob_browser.get("/trash")
    assert status == 200 and "The trash is empty" in body
    for path in (f"/incidents/{iid}/restore", f"/projects/{pid}/restore"):
        status, _, _ = await bob_browser.post(path, {})
        assert status == 404, path
    for path in (f"/api/v1/incidents/{iid}/restore", f"/api/v1/projects/{pid}/restore"):
        assert (await client.post(path, headers=bob.headers)).status == 404, path
    assert await (await client.get("/api/v1/trash", headers=bob.headers)).json() == []
    trash = await (await client.get("/api/v1/trash", headers=alice.headers)).json()
    assert sorted((t["kind"], t["id"]) for t in trash) == [("incident", iid), ("project", pid)]
