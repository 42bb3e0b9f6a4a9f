"""Sign-up, login, tokens: through HTTP against the running app on real PostgreSQL."""

from __future__ import annotations

import io
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from support import Api

Client = TestClient[Any, Any]


async def error_of(resp: Any) -> dict[str, Any]:
    body = await resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


async def test_health_reports_the_database_up(client: Client) -> None:
    resp = await client.get("/api/v1/health")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok" and body["database"] == "up"


async def test_signup_login_me_and_tokens(client: Client) -> None:
    resp = await client.post(
        "/api/v1/auth/signup",
        json={"email": "Ada@Example.com", "password": "correct horse", "display_name": "Ada"},
    )
    assert resp.status == 201
    user = await resp.json()
    assert user["email"] == "Ada@Example.com" and "password" not in str(user)

    resp = await client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert resp.status == 201
    login = await resp.json()
    token = login["token"]
    assert token.startswith("rgp_") and len(token) == 50
    assert login["token_info"]["prefix"] == token[:10]
    auth = {"Authorization": f"Bearer {token}"}

    resp = await client.get("/api/v1/me", headers=auth)
    assert (await resp.json())["id"] == user["id"]

    resp = await client.post(
        "/api/v1/tokens", json={"name": "ci", "expires_in_days": 30}, headers=auth
    )
    assert resp.status == 201
    ci = await resp.json()
    assert ci["token"] != token and ci["expires_at"] is not None

    resp = await client.get("/api/v1/tokens", headers=auth)
    listed = await resp.json()
    assert [t["name"] for t in listed] == ["login", "ci"]
    assert all("token" not in t for t in listed), "secrets are never listed"

    resp = await client.delete(f"/api/v1/tokens/{ci['id']}", headers=auth)
    assert resp.status == 200 and (await resp.json())["revoked_at"] is not None
    resp = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {ci['token']}"})
    assert resp.status == 401
    assert (await error_of(resp))["code"] == "token_revoked"


async def test_only_a_hash_of_the_token_is_stored(
    client: Client, api: Api, database_url: str
) -> None:
    import asyncpg

    account = await api.account()
    conn = await asyncpg.connect(database_url)
    try:
        stored = await conn.fetch("SELECT token_hash, prefix FROM api_tokens")
    finally:
        await conn.close()
    assert all(account.token.encode() not in bytes(r["token_hash"]) for r in stored)
    assert all(len(r["prefix"]) == 10 for r in stored)


@pytest.mark.parametrize(
    "body, status, code",
    [
        pytest.param(b"{not json", 400, "malformed_json", id="malformed-json"),
        pytest.param(b"[1, 2]", 422, "validation_failed", id="not-an-object"),
        pytest.param(b'{"email": "a@b.c"}', 422, "validation_failed", id="missing-password"),
        pytest.param(b'{"email": 5, "password": "longenough"}', 422, "validation_failed",
                     id="wrong-type"),
        pytest.param(b'{"email": "nope", "password": "longenough"}', 422, "validation_failed",
                     id="bad-email"),
        pytest.param(b'{"email": "a@b.c", "password": "short"}', 422, "validation_failed",
                     id="short-password"),
        pytest.param(b'{"email": "a@b.c", "password": "longenough", "admin": true}', 422,
                     "validation_failed", id="unknown-field"),
    ],
)  # fmt: skip
async def test_signup_rejects_bad_input(
    client: Client, body: bytes, status: int, code: str
) -> None:
    resp = await client.post(
        "/api/v1/auth/signup", data=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status == status
    assert (await error_of(resp))["code"] == code


async def test_duplicate_email_in_any_case_is_a_conflict(client: Client, api: Api) -> None:
    await api.account("dup@example.com")
    resp = await client.post(
        "/api/v1/auth/signup", json={"email": "DUP@example.com", "password": "longenough"}
    )
    assert resp.status == 409
    assert (await error_of(resp))["code"] == "email_taken"


async def test_wrong_password_and_unknown_user_look_the_same(client: Client, api: Api) -> None:
    await api.account("known@example.com")
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        resp = await client.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrongwrong"}
        )
        answers.append((resp.status, await error_of(resp)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401


async def test_logins_are_rate_limited_per_account(client: Client, api: Api, settings: Any) -> None:
    settings.login_failures_per_account_per_hour = 3
    await api.account("target@example.com", password="the real one")
    for _ in range(3):
        resp = await client.post(
            "/api/v1/auth/login", json={"email": "target@example.com", "password": "guess guess"}
        )
        assert resp.status == 401
    resp = await client.post(
        "/api/v1/auth/login", json={"email": "target@example.com", "password": "the real one"}
    )
    assert resp.status == 429
    assert resp.headers["Retry-After"] == "3600"


@pytest.mark.parametrize(
    "header, code",
    [
        pytest.param(None, "missing_token", id="missing"),
        pytest.param("Basic abc", "missing_token", id="wrong-scheme"),
        pytest.param("Bearer rgp_nope", "invalid_token", id="malformed"),
        pytest.param("Bearer rgp_" + "a" * 46, "invalid_token", id="bad-checksum"),
    ],
)
async def test_bad_tokens_are_401(client: Client, header: str | None, code: str) -> None:
    headers = {"Authorization": header} if header else {}
    resp = await client.get("/api/v1/me", headers=headers)
    assert resp.status == 401
    assert (await error_of(resp))["code"] == code
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_cookies_never_authenticate(client: Client, api: Api) -> None:
    account = await api.account()
    resp = await client.get("/api/v1/me", cookies={"token": account.token})
    assert resp.status == 401


async def test_oversized_body_is_413(client: Client) -> None:
    resp = await client.post(
        "/api/v1/auth/signup",
        data=io.BytesIO(b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status == 413
    assert (await error_of(resp))["code"] == "payload_too_large"


async def test_unknown_route_and_method_use_the_error_shape(client: Client) -> None:
    resp = await client.get("/api/v1/nothing-here")
    assert resp.status == 404 and (await error_of(resp))["code"] == "not_found"
    resp = await client.put("/api/v1/health")
    assert resp.status == 405 and (await error_of(resp))["code"] == "method_not_allowed"


async def test_revoking_someone_elses_token_is_404(client: Client, api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    resp = await client.get("/api/v1/tokens", headers=bob.headers)
    bob_token_id = (await resp.json())[0]["id"]
    resp = await client.delete(f"/api/v1/tokens/{bob_token_id}", headers=alice.headers)
    assert resp.status == 404
    resp = await client.get("/api/v1/me", headers=bob.headers)
    assert resp.status == 200
