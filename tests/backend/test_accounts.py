"""Sign-up, login, tokens: through HTTP against the running app on real PostgreSQL."""

from __future__ import annotations

import io
import ipaddress
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from railguard.server import retention
from railguard.server.app import create_app
from railguard.server.db import create_pool
from support import Api, free_port

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
    assert resp.status == 202
    assert (await resp.json())["status"] == "accepted"

    resp = await client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert resp.status == 201
    login = await resp.json()
    user = login["user"]
    assert user["email"] == "Ada@Example.com" and "password" not in str(login)
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


async def test_signup_does_not_reveal_a_taken_email(client: Client, api: Api) -> None:
    fresh = await client.post(
        "/api/v1/auth/signup", json={"email": "new@example.com", "password": "longenough"}
    )
    await api.account("dup@example.com", password="the first one")
    taken = await client.post(
        "/api/v1/auth/signup", json={"email": "DUP@example.com", "password": "longenough"}
    )
    assert (fresh.status, await fresh.json()) == (taken.status, await taken.json())
    assert taken.status == 202
    wrong = await client.post(
        "/api/v1/auth/login", json={"email": "dup@example.com", "password": "longenough"}
    )
    assert wrong.status == 401, "the taken account keeps its password"
    right = await client.post(
        "/api/v1/auth/login", json={"email": "dup@example.com", "password": "the first one"}
    )
    assert right.status == 201


@pytest.mark.parametrize("password", ["password123", "Qwertyuiop", "iloveyou"])
async def test_the_most_common_passwords_are_refused(client: Client, password: str) -> None:
    resp = await client.post(
        "/api/v1/auth/signup", json={"email": "c@example.com", "password": password}
    )
    assert resp.status == 422
    assert (await error_of(resp))["code"] == "password_common"
    login = await client.post(
        "/api/v1/auth/login", json={"email": "c@example.com", "password": password}
    )
    assert login.status == 401, "no account was made"


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


async def _login(client: Client, email: str, password: str, address: str) -> int:
    resp = await client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )
    return resp.status


async def test_failures_elsewhere_never_lock_the_owner_out(settings: Any) -> None:
    """Failures from one address and more spread over others: the owner still signs in from a
    new address; the attacking address is throttled for that account, then for every account."""
    settings = settings.model_copy(update={
        "trusted_proxies": [ipaddress.ip_network("127.0.0.1/32")],
        "login_failures_per_address_account_per_hour": 5,
        "login_failures_per_address_per_hour": 20,
    })  # fmt: skip
    server = TestServer(create_app(settings), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        api = Api(client)
        await api.account("target@example.com", password="the real one")
        await api.account("other@example.com", password="another real one")
        statuses = [
            await _login(client, "target@example.com", "guess guess", "198.51.100.66")
            for _ in range(8)
        ]
        assert statuses == [401] * 5 + [429] * 3, "per (address, account)"
        for n in range(30):
            assert await _login(client, "target@example.com", "guess", f"203.0.113.{n}") == 401
        assert await _login(client, "target@example.com", "the real one", "192.0.2.10") == 201
        assert await _login(client, "target@example.com", "the real one", "198.51.100.66") == 429
        for n in range(15):
            await _login(client, f"nobody{n}@example.com", "guess", "198.51.100.66")
        other = await _login(client, "other@example.com", "another real one", "198.51.100.66")
        assert other == 429, "per address, across accounts"
        assert await _login(client, "other@example.com", "another real one", "192.0.2.11") == 201


async def test_old_login_failures_are_pruned_by_maintenance(
    client: Client, database_url: str
) -> None:
    for _ in range(3):
        await client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "nope"})
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE login_failures SET failed_at = now() - interval '2 days'")
        pool = await create_pool(database_url, min_size=1, max_size=2)
        try:
            report = await retention.run_once(pool, retention_days=0, ahead_days=1)
        finally:
            await pool.close()
        assert report.login_failures_pruned == 3
        assert await conn.fetchval("SELECT count(*) FROM login_failures") == 0
    finally:
        await conn.close()


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
