"""Projects, members and ingest keys through HTTP, including another tenant's ids."""

from __future__ import annotations

from typing import Any

import pytest
import sentry_sdk
from aiohttp.test_utils import TestClient

from support import Account, Api

Client = TestClient[Any, Any]


async def test_create_project_normalises_the_repository_and_returns_a_dsn(
    client: Client, api: Api
) -> None:
    owner = await api.account()
    created = await api.project(owner, repository="git@GitHub.com:Acme/Shop.git", platform="python")
    assert created["repository"] == "github.com/acme/shop"
    assert created["role"] == "owner"
    key = created["ingest_key"]["public_key"]
    assert len(key) == 32 and int(key, 16) >= 0
    assert created["dsn"] == f"http://{key}@127.0.0.1:8000/{created['id']}"


def test_the_dsn_is_accepted_by_the_real_python_sdk() -> None:
    dsn = "http://0123456789abcdef0123456789abcdef@127.0.0.1:8000/42"
    sentry_sdk.init(dsn=dsn, default_integrations=False)
    try:
        client = sentry_sdk.get_client()
        assert client.dsn == dsn
        assert client.transport is not None
    finally:
        sentry_sdk.init()


async def test_list_get_update_delete(client: Client, api: Api) -> None:
    owner = await api.account()
    project = await api.project(owner, repository="https://gitlab.com/grp/sub/repo.git")
    pid = project["id"]
    resp = await client.get("/api/v1/projects", headers=owner.headers)
    assert [p["id"] for p in await resp.json()] == [pid]
    resp = await client.get(
        "/api/v1/projects", params={"repository": "git@gitlab.com:grp/sub/repo"},
        headers=owner.headers,
    )  # fmt: skip
    assert [p["id"] for p in await resp.json()] == [pid]
    resp = await client.patch(
        f"/api/v1/projects/{pid}",
        json={"name": "renamed", "path_rules": [{"strip_prefix": "/srv/app/"}]},
        headers=owner.headers,
    )
    body = await resp.json()
    assert resp.status == 200, body
    assert body["name"] == "renamed" and body["repository"] == "gitlab.com/grp/sub/repo"
    assert body["path_rules"] == [{"strip_prefix": "/srv/app/", "source_root": ""}]
    resp = await client.delete(f"/api/v1/projects/{pid}", headers=owner.headers)
    assert resp.status == 204
    resp = await client.get(f"/api/v1/projects/{pid}", headers=owner.headers)
    assert resp.status == 404
    # A soft-deleted project frees its repository for a new one.
    await api.project(owner, repository="gitlab.com/grp/sub/repo")


async def test_a_repository_is_unique_per_organisation_only(client: Client, api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    await api.project(alice, repository="github.com/acme/shop")
    same = {"name": "x", "repository": "https://github.com/ACME/shop.git"}
    resp = await client.post("/api/v1/projects", json=same, headers=alice.headers)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "repository_taken"
    resp = await client.post("/api/v1/projects", json=same, headers=bob.headers)
    assert resp.status == 201, "another tenant can neither squat nor probe alice's repository"
    resp = await client.get(
        "/api/v1/projects", params={"repository": "github.com/acme/shop"}, headers=bob.headers
    )
    assert [p["organization_id"] for p in await resp.json()] != []
    assert all(p["name"] == "x" for p in await resp.json()), "only bob's own project"


@pytest.mark.parametrize(
    "repository",
    [
        pytest.param("not a repo", id="words"),
        pytest.param("/home/me/shop", id="local-path"),
        pytest.param("file:///srv/git/shop.git", id="file-url"),
        pytest.param("github.com/onlyowner", id="no-name"),
    ],
)
async def test_bad_repository_is_422(client: Client, api: Api, repository: str) -> None:
    owner = await api.account()
    resp = await client.post(
        "/api/v1/projects", json={"name": "x", "repository": repository}, headers=owner.headers
    )
    assert resp.status == 422


async def _assert_invisible(client: Client, intruder: Account, pid: int, key_id: int) -> None:
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/api/v1/projects/{pid}", None),
        ("PATCH", f"/api/v1/projects/{pid}", {"name": "pwned"}),
        ("DELETE", f"/api/v1/projects/{pid}", None),
        ("GET", f"/api/v1/projects/{pid}/members", None),
        ("POST", f"/api/v1/projects/{pid}/members", {"email": intruder.email}),
        ("GET", f"/api/v1/projects/{pid}/keys", None),
        ("POST", f"/api/v1/projects/{pid}/keys", {"label": "mine"}),
        ("DELETE", f"/api/v1/projects/{pid}/keys/{key_id}", None),
    ]
    for method, path, body in calls:
        resp = await client.request(method, path, json=body, headers=intruder.headers)
        assert resp.status == 404, (method, path, resp.status)
        text = await resp.text()
        assert "github.com/acme" not in text


async def test_another_tenants_project_is_a_404_never_a_leak(client: Client, api: Api) -> None:
    owner, intruder = await api.account(), await api.account()
    project = await api.project(owner, repository="github.com/acme/secret")
    await _assert_invisible(client, intruder, project["id"], project["ingest_key"]["id"])
    resp = await client.get("/api/v1/projects", headers=intruder.headers)
    assert await resp.json() == []
    resp = await client.get(f"/api/v1/projects/{project['id']}", headers=owner.headers)
    assert (await resp.json())["name"] == "app", "nothing was changed"


async def test_members_see_the_project_but_only_owners_manage_it(client: Client, api: Api) -> None:
    owner, member = await api.account(), await api.account()
    project = await api.project(owner)
    pid = project["id"]
    resp = await client.post(
        f"/api/v1/projects/{pid}/members", json={"email": member.email}, headers=owner.headers
    )
    assert resp.status == 202 and (await resp.json())["role"] == "member"
    resp = await client.get(f"/api/v1/projects/{pid}", headers=member.headers)
    assert resp.status == 404, "nobody is added before accepting"
    await api.join(owner, member, project_id=pid)
    resp = await client.get(f"/api/v1/projects/{pid}", headers=member.headers)
    assert (await resp.json())["role"] == "member"
    resp = await client.get(f"/api/v1/projects/{pid}/keys", headers=member.headers)
    assert resp.status == 200, "members can read the DSN"
    for method, path, body in [
        ("PATCH", f"/api/v1/projects/{pid}", {"name": "x"}),
        ("DELETE", f"/api/v1/projects/{pid}", None),
        ("POST", f"/api/v1/projects/{pid}/keys", {}),
        ("POST", f"/api/v1/projects/{pid}/members", {"email": owner.email, "role": "member"}),
    ]:
        resp = await client.request(method, path, json=body, headers=member.headers)
        assert resp.status == 403, (method, path)
    # The last owner cannot leave; a member can.
    resp = await client.delete(f"/api/v1/projects/{pid}/members/{owner.id}", headers=owner.headers)
    assert resp.status == 409
    resp = await client.delete(
        f"/api/v1/projects/{pid}/members/{member.id}", headers=member.headers
    )
    assert resp.status == 204
    resp = await client.get(f"/api/v1/projects/{pid}", headers=member.headers)
    assert resp.status == 404


async def test_inviting_does_not_reveal_which_emails_have_accounts(
    client: Client, api: Api
) -> None:
    owner, someone = await api.account(), await api.account()
    project = await api.project(owner)
    answers = []
    for email in (someone.email, "nobody@example.com"):
        resp = await client.post(
            f"/api/v1/projects/{project['id']}/members", json={"email": email},
            headers=owner.headers,
        )  # fmt: skip
        body = await resp.json()
        answers.append((resp.status, sorted(body), body["mailed"], body["link"] is not None))
    assert answers[0] == answers[1] == (answers[0][0], answers[0][1], False, True)
    assert answers[0][0] == 202


async def test_ingest_keys_create_list_revoke(client: Client, api: Api) -> None:
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    resp = await client.post(
        f"/api/v1/projects/{pid}/keys", json={"label": "staging", "rate_limit_per_minute": 100},
        headers=owner.headers,
    )  # fmt: skip
    assert resp.status == 201
    key = await resp.json()
    assert key["dsn"].endswith(f"/{pid}") and key["public_key"] in key["dsn"]
    resp = await client.get(f"/api/v1/projects/{pid}/keys", headers=owner.headers)
    keys = await resp.json()
    assert [k["label"] for k in keys] == ["default", "staging"]
    resp = await client.delete(f"/api/v1/projects/{pid}/keys/{key['id']}", headers=owner.headers)
    assert (await resp.json())["revoked_at"] is not None
    resp = await client.delete(f"/api/v1/projects/{pid}/keys/999999", headers=owner.headers)
    assert resp.status == 404


@pytest.mark.parametrize("path", ["/api/v1/projects/abc", "/api/v1/projects/99999999999999999999"])
async def test_non_numeric_or_huge_ids_are_404(client: Client, api: Api, path: str) -> None:
    owner = await api.account()
    resp = await client.get(path, headers=owner.headers)
    assert resp.status == 404


async def test_openapi_document_lists_every_route(client: Client) -> None:
    resp = await client.get("/api/v1/openapi.json")
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/projects/{project_id}/keys" in doc["paths"]
    assert "ProjectCreated" in doc["components"]["schemas"]
