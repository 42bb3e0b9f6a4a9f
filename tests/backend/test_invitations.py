"""Invitations and roles through HTTP: only the invited address accepts, once, before expiry and
revocation; only owners give or take the owner role; an organisation keeps an owner."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from support import Account, Api

Client = TestClient[Any, Any]


async def _invite(
    client: Client, admin: Account, org_id: int, email: str, role: str = "member"
) -> tuple[int, Any]:
    resp = await client.post(
        f"/api/v1/organizations/{org_id}/invitations", json={"email": email, "role": role},
        headers=admin.headers,
    )  # fmt: skip
    return resp.status, await resp.json()


async def _accept(client: Client, who: Account, link: str) -> int:
    resp = await client.post(
        "/api/v1/invitations/accept", json={"token": link.rsplit("/", 1)[1]}, headers=who.headers
    )
    return resp.status


async def _org(client: Client, api: Api, owner: Account) -> int:
    resp = await client.post("/api/v1/organizations", json={"name": "Team"}, headers=owner.headers)
    assert resp.status == 201
    org_id: int = (await resp.json())["id"]
    return org_id


async def test_only_the_invited_address_accepts_and_only_once(client: Client, api: Api) -> None:
    owner, invitee, someone = await api.account(), await api.account(), await api.account()
    org_id = await _org(client, api, owner)
    status, sent = await _invite(client, owner, org_id, invitee.email.upper())
    assert status == 202 and sent["mailed"] is False
    assert await _accept(client, someone, sent["link"]) == 403
    resp = await client.get(f"/api/v1/organizations/{org_id}", headers=someone.headers)
    assert resp.status == 404
    assert await _accept(client, invitee, sent["link"]) == 200, "any letter case of the address"
    assert await _accept(client, invitee, sent["link"]) == 404, "used"
    resp = await client.get(f"/api/v1/organizations/{org_id}", headers=invitee.headers)
    assert (await resp.json())["role"] == "member"
    resp = await client.get(f"/api/v1/organizations/{org_id}/invitations", headers=owner.headers)
    (listed,) = await resp.json()
    assert listed["accepted_at"] is not None and "link" not in listed
    assert await _accept(client, invitee, sent["link"][:-3] + "xyz") == 404


async def test_revoked_and_expired_invitations_cannot_be_accepted(
    client: Client, api: Api, database_url: str
) -> None:
    owner, invitee = await api.account(), await api.account()
    org_id = await _org(client, api, owner)
    _, revoked = await _invite(client, owner, org_id, invitee.email)
    _, expired = await _invite(client, owner, org_id, invitee.email)
    resp = await client.delete(
        f"/api/v1/organizations/{org_id}/invitations/{revoked['id']}", headers=owner.headers
    )
    assert resp.status == 200 and (await resp.json())["revoked_at"] is not None
    resp = await client.delete(
        f"/api/v1/organizations/{org_id}/invitations/{revoked['id']}", headers=owner.headers
    )
    assert resp.status == 404, "already revoked"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1",
            expired["id"],
        )
    finally:
        await conn.close()
    assert await _accept(client, invitee, revoked["link"]) == 404
    assert await _accept(client, invitee, expired["link"]) == 404
    resp = await client.get(f"/api/v1/organizations/{org_id}", headers=invitee.headers)
    assert resp.status == 404, "not a member"


async def test_only_owners_handle_the_owner_role_and_one_owner_stays(
    client: Client, api: Api
) -> None:
    owner, admin, member = await api.account(), await api.account(), await api.account()
    org_id = await _org(client, api, owner)
    await api.join(owner, admin, organization_id=org_id, role="admin")
    await api.join(owner, member, organization_id=org_id)
    members = f"/api/v1/organizations/{org_id}/members"
    status, _ = await _invite(client, admin, org_id, "x@example.com", role="owner")
    assert status == 403
    resp = await client.patch(f"{members}/{member.id}", json={"role": "owner"},
                              headers=admin.headers)  # fmt: skip
    assert resp.status == 403
    resp = await client.patch(f"{members}/{owner.id}", json={"role": "member"},
                              headers=admin.headers)  # fmt: skip
    assert resp.status == 403
    resp = await client.delete(f"{members}/{owner.id}", headers=admin.headers)
    assert resp.status == 403
    resp = await client.patch(f"{members}/{member.id}", json={"role": "viewer"},
                              headers=admin.headers)  # fmt: skip
    assert resp.status == 200 and (await resp.json())["role"] == "viewer"

    resp = await client.patch(f"{members}/{owner.id}", json={"role": "admin"},
                              headers=owner.headers)  # fmt: skip
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "last_owner"
    resp = await client.delete(f"{members}/{owner.id}", headers=owner.headers)
    assert resp.status == 409
    resp = await client.patch(f"{members}/{admin.id}", json={"role": "owner"},
                              headers=owner.headers)  # fmt: skip
    assert resp.status == 200
    resp = await client.delete(f"{members}/{owner.id}", headers=owner.headers)
    assert resp.status == 204, "another owner remains"
    resp = await client.get(members, headers=admin.headers)
    assert sorted(m["role"] for m in await resp.json()) == ["owner", "viewer"]


async def test_accepting_never_lowers_a_role(client: Client, api: Api) -> None:
    owner, admin = await api.account(), await api.account()
    org_id = await _org(client, api, owner)
    await api.join(owner, admin, organization_id=org_id, role="admin")
    _, sent = await _invite(client, owner, org_id, admin.email, role="viewer")
    assert await _accept(client, admin, sent["link"]) == 200
    resp = await client.get(f"/api/v1/organizations/{org_id}", headers=admin.headers)
    assert (await resp.json())["role"] == "admin"
