"""The audit log through HTTP: what people did in an organisation, newest first, for its owners
and admins only; other tenants' logs are 404."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from support import Api

Client = TestClient[Any, Any]


async def test_changes_are_recorded_and_shown_to_admins_only(client: Client, api: Api) -> None:
    owner, admin, member, stranger = [await api.account() for _ in range(4)]
    project = await api.project(owner)
    pid, org_id = project["id"], project["organization_id"]
    await api.join(owner, admin, organization_id=org_id, role="admin")
    await api.join(owner, member, organization_id=org_id)
    resp = await client.patch(
        f"/api/v1/organizations/{org_id}/members/{member.id}", json={"role": "viewer"},
        headers=admin.headers,
    )  # fmt: skip
    assert resp.status == 200
    key_id = project["ingest_key"]["id"]
    resp = await client.delete(f"/api/v1/projects/{pid}/keys/{key_id}", headers=admin.headers)
    assert resp.status == 200
    resp = await client.post("/api/v1/tokens", json={"name": "ci"}, headers=member.headers)
    assert resp.status == 201

    resp = await client.get(f"/api/v1/organizations/{org_id}/audit", headers=admin.headers)
    assert resp.status == 200
    entries = await resp.json()
    seen = [(e["action"], e["actor_email"], e["target"]) for e in entries]
    assert seen[:3] == [
        ("token.create", member.email, seen[0][2]),
        ("key.revoke", admin.email, f"key:{key_id}"),
        ("member.role", admin.email, f"user:{member.id}"),
    ]
    assert entries[2]["detail"] == {"from": "member", "to": "viewer"}
    assert entries[2]["address"] == "127.0.0.1"
    actions = {e["action"] for e in entries}
    assert {"project.create", "invitation.create", "invitation.accept"} <= actions
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)

    resp = await client.get(
        f"/api/v1/organizations/{org_id}/audit",
        params={"before": str(entries[1]["id"]), "limit": "1"}, headers=owner.headers,
    )  # fmt: skip
    assert [e["id"] for e in await resp.json()] == [entries[2]["id"]]

    resp = await client.get(f"/api/v1/organizations/{org_id}/audit", headers=member.headers)
    assert resp.status == 403
    resp = await client.get(f"/api/v1/organizations/{org_id}/audit", headers=stranger.headers)
    assert resp.status == 404
    resp = await client.get(
        f"/api/v1/organizations/{org_id}/audit", params={"limit": "0"}, headers=owner.headers
    )
    assert resp.status == 422


async def test_sign_ins_and_tokens_reach_every_organisation_of_the_person(
    client: Client, api: Api
) -> None:
    person = await api.account()
    first = (await api.project(person))["organization_id"]
    resp = await client.post("/api/v1/organizations", json={"name": "Team"}, headers=person.headers)
    second = (await resp.json())["id"]
    resp = await client.get("/api/v1/tokens", headers=person.headers)
    token_id = (await resp.json())[0]["id"]
    resp = await client.delete(f"/api/v1/tokens/{token_id}", headers=person.headers)
    assert resp.status == 200
    login = await client.post(
        "/api/v1/auth/login", json={"email": person.email, "password": "correct horse"}
    )
    headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
    for org_id in (first, second):
        resp = await client.get(f"/api/v1/organizations/{org_id}/audit", headers=headers)
        actions = [e["action"] for e in await resp.json()]
        assert actions[:2] == ["token.create", "token.revoke"], (org_id, actions)
