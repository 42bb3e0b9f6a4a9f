"""The endpoint table enforces authentication: every endpoint marked `authenticated` answers 401
without a user, whatever its handler does, and the auth seam takes other sign-in methods."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from railguard.server import accounts, db, security
from railguard.server.app import all_endpoints, setup_routes
from railguard.server.auth import (
    AUTHENTICATORS,
    DEFAULT_AUTHENTICATORS,
    USER,
    CurrentUser,
    bearer_token,
)
from railguard.server.endpoints import Endpoint
from railguard.server.http_errors import error_middleware
from railguard.server.keys import POOL
from support import Api, free_port

Client = TestClient[Any, Any]

# Reachable without a user, on purpose. Adding to this set is a decision, not a default.
# The uptime agent's two endpoints take no user: they check the agent's own key
# (tests/uptime/test_uptime_agent.py refuses unknown and revoked keys).
# The device grant's two OAuth endpoints are how a device without a token gets one; the token
# endpoint checks the device code (tests/web/test_device_flow.py).
PUBLIC = {
    "signup", "login", "health", "openapi", "agent_claim", "agent_results", "device_code",
    "oauth_token",
}  # fmt: skip

AUTHENTICATED = [e for e in all_endpoints() if e.authenticated]


def concrete(path: str) -> str:
    """The path with every `{param}` (with or without a pattern) filled in by an id."""
    return re.sub(r"{\w+(?::[^}]*)?}", "1", path)


def test_only_the_intended_endpoints_are_public() -> None:
    public = {e.name for e in all_endpoints() if not e.authenticated}
    assert public == PUBLIC
    assert len(AUTHENTICATED) >= 20  # the walk below covers the whole API, not a sample


async def _revoked_token(client: Client, api: Api) -> str:
    account = await api.account()
    resp = await client.get("/api/v1/tokens", headers=account.headers)
    (token,) = await resp.json()
    resp = await client.delete(f"/api/v1/tokens/{token['id']}", headers=account.headers)
    assert resp.status == 200, await resp.text()
    return account.token


async def test_every_authenticated_endpoint_refuses_requests_without_a_user(
    client: Client, api: Api
) -> None:
    credentials = [
        (None, "missing_token"),
        ("Basic dXNlcjpwYXNz", "missing_token"),  # another scheme is no credential of ours
        ("Bearer rgp_nope", "invalid_token"),
        (f"Bearer {security.new_token()}", "invalid_token"),  # well formed, never issued
        (f"Bearer {await _revoked_token(client, api)}", "token_revoked"),
    ]
    for endpoint in AUTHENTICATED:
        for header, code in credentials:
            headers = {"Authorization": header} if header else {}
            resp = await client.request(
                endpoint.method, concrete(endpoint.path), headers=headers, json={}
            )
            where = f"{endpoint.method} {endpoint.path} with {header!r}"
            assert resp.status == 401, where
            assert (await resp.json())["error"]["code"] == code, where
            assert resp.headers["WWW-Authenticate"].startswith("Bearer"), where


async def test_every_endpoint_refuses_a_token_without_its_scope(client: Client, api: Api) -> None:
    """A read-only token reaches only what reads (and revoking, which only takes access
    away); everything that changes something answers 403 before its handler runs."""
    account = await api.account()
    resp = await client.post(
        "/api/v1/tokens", headers=account.headers, json={"name": "ro", "scopes": ["read"]}
    )
    assert resp.status == 201
    read_only = {"Authorization": f"Bearer {(await resp.json())['token']}"}
    refused = []
    for endpoint in AUTHENTICATED:
        if endpoint.required_scope == "read":
            continue
        resp = await client.request(
            endpoint.method, concrete(endpoint.path), headers=read_only, json={}
        )
        assert resp.status == 403, f"{endpoint.method} {endpoint.path}"
        assert (await resp.json())["error"]["code"] == "insufficient_scope"
        refused.append(endpoint.name)
    assert {"create_project", "create_key", "create_token", "resolve_incident"} <= set(refused)
    writes_allowed = {
        e.name for e in AUTHENTICATED if e.method != "GET" and e.required_scope == "read"
    }
    assert writes_allowed == {"revoke_token"}


async def _whoami(request: web.Request) -> web.Response:
    return web.json_response({"email": request[USER].email})


PROBE = Endpoint("GET", "/probe", _whoami, "probe", "Answers the caller's email.")


@pytest.fixture
async def probe_app(database_url: str) -> AsyncIterator[web.Application]:
    """An app routing only a handler that never checks credentials itself."""
    app = web.Application(middlewares=[error_middleware])

    async def pool(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = await db.create_pool(database_url, min_size=1, max_size=2)
        yield
        await app[POOL].close()

    app.cleanup_ctx.append(pool)
    setup_routes(app, [PROBE], "")
    yield app


async def _token(app: web.Application, email: str) -> str:
    hasher = security.password_hasher(1024, 1)
    user = await accounts.create_user(
        app[POOL], hasher, email=email, password=None, display_name=""
    )
    return (await accounts.create_token(app[POOL], user_id=user.id, name="probe")).token


async def test_the_table_guards_a_handler_that_checks_nothing(probe_app: web.Application) -> None:
    async with TestClient(TestServer(probe_app, host="127.0.0.1", port=free_port())) as client:
        resp = await client.get("/probe")
        assert resp.status == 401
        token = await _token(probe_app, "probe@example.com")
        resp = await client.get("/probe", headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 200
        assert await resp.json() == {"email": "probe@example.com"}


async def test_another_sign_in_method_plugs_into_the_same_seam(
    probe_app: web.Application,
) -> None:
    """What a browser session would do: a second authenticator, tried after the bearer token."""

    async def session_cookie(request: web.Request) -> CurrentUser | None:
        if request.cookies.get("session") != "good":
            return None
        return CurrentUser(id=0, email="cookie@example.com", display_name="", token_id=0)

    probe_app[AUTHENTICATORS] = (*DEFAULT_AUTHENTICATORS, session_cookie)
    assert DEFAULT_AUTHENTICATORS == (bearer_token,)
    async with TestClient(TestServer(probe_app, host="127.0.0.1", port=free_port())) as client:
        resp = await client.get("/probe", cookies={"session": "good"})
        assert await resp.json() == {"email": "cookie@example.com"}
        resp = await client.get("/probe", cookies={"session": "forged"})
        assert resp.status == 401
        token = await _token(probe_app, "bearer@example.com")
        resp = await client.get(
            "/probe", headers={"Authorization": f"Bearer {token}"}, cookies={"session": "good"}
        )
        assert await resp.json() == {"email": "bearer@example.com"}  # the token is tried first
