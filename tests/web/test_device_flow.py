"""The device authorization grant over HTTP: codes, polling (pending, slow_down, denied,
expired, used), the CSRF-protected approval page, scoped tokens the API enforces, and the
account page that lists and revokes them."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser as Chromium
from yarl import URL

from railguard.server import device
from railguard.server.settings import Settings
from railguard.wire.device import GRANT_TYPE
from support import Account, Api
from webkit import Browser, report

Client = TestClient[Any, Any]


@pytest.fixture
def settings(database_url: str, web_port: int) -> Settings:
    return Settings(
        database_url=database_url, public_url=f"http://127.0.0.1:{web_port}",
        argon2_memory_kib=1024, argon2_time_cost=1, writer_batch_wait_ms=2,
        device_poll_interval_s=1,
    )  # fmt: skip


@pytest.fixture
async def browser(client: Client) -> AsyncIterator[Browser]:
    b = Browser(client)
    yield b
    await b.close()


async def start(client: Client, **form: str) -> dict[str, Any]:
    resp = await client.post("/oauth/device/code", data={"client_id": "test", **form})
    assert resp.status == 200, await resp.text()
    assert resp.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = await resp.json()
    return body


async def poll(client: Client, device_code: str) -> tuple[int, dict[str, Any]]:
    resp = await client.post(
        "/oauth/token", data={"grant_type": GRANT_TYPE, "device_code": device_code}
    )
    return resp.status, await resp.json()


async def decide(browser: Browser, code: str, decision: str = "approve") -> str:
    status, html, _ = await browser.get(f"/device?user_code={code}")
    assert status == 200, html
    status, html, _ = await browser.post(
        "/device/decide", {"user_code": code, "decision": decision}
    )
    assert status == 200, html
    return html


def test_user_codes_use_the_rfc_alphabet_and_forgive_typing() -> None:
    codes = {device.new_user_code() for _ in range(200)}
    assert all(re.fullmatch("[BCDFGHJKLMNPQRSTVWXZ]{8}", c) for c in codes) and len(codes) > 190
    assert device.normalise_user_code(" bcdf-ghjk ") == "BCDFGHJK"
    assert device.normalise_user_code("BCDF-GHJ") is None  # too short
    assert device.normalise_user_code("BCDF-GHJA") is None  # a vowel is never in a code
    assert device.display_user_code("BCDFGHJK") == "BCDF-GHJK"


async def test_approved_device_gets_one_read_triage_token_that_cannot_administer(
    client: Client, api: Api, browser: Browser
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    started = await start(client, device_name="Ada's laptop (VS Code)")
    assert re.fullmatch(r"[B-Z]{4}-[B-Z]{4}", started["user_code"])
    assert started["verification_uri"].endswith("/device") and started["interval"] == 1
    assert started["verification_uri_complete"].endswith("?user_code=" + started["user_code"])

    status, body = await poll(client, started["device_code"])
    assert (status, body["error"]) == (400, "authorization_pending")
    status, body = await poll(client, started["device_code"])  # at once: too fast
    assert (status, body["error"], body["interval"]) == (400, "slow_down", 6)

    await browser.sign_in(owner.email)
    html = await decide(browser, started["user_code"])
    assert "Ada&#39;s laptop (VS Code)" in html and "is signed in" in html

    await asyncio.sleep(6)  # the interval grew with slow_down
    status, body = await poll(client, started["device_code"])
    assert status == 200, body
    assert body["token_type"] == "Bearer" and body["scope"] == "read triage"
    status, again = await poll(client, started["device_code"])
    assert (status, again["error"]) == (400, "invalid_grant"), "a device code is used once"

    headers = {"Authorization": f"Bearer {body['access_token']}"}
    resp = await client.get("/api/v1/me", headers=headers)
    assert resp.status == 200 and (await resp.json())["email"] == owner.email
    resp = await client.get(f"/api/v1/projects/{project['id']}", headers=headers)
    assert resp.status == 200
    for method, path, payload in [
        ("POST", "/api/v1/projects", {"name": "x", "repository": "github.com/a/x"}),
        ("DELETE", f"/api/v1/projects/{project['id']}", None),
        ("POST", "/api/v1/tokens", {"name": "escalate"}),  # no minting a wider token
        ("POST", f"/api/v1/projects/{project['id']}/keys", {"name": "k"}),
    ]:
        resp = await client.request(method, path, headers=headers, json=payload)
        assert resp.status == 403, (method, path)
        assert (await resp.json())["error"]["code"] == "insufficient_scope"
    resp = await client.get(f"/api/v1/projects/{project['id']}", headers=owner.headers)
    assert resp.status == 200, "the refused delete did nothing"

    listed = await (await client.get("/api/v1/tokens", headers=headers)).json()
    mine = next(t for t in listed if t["id"] == body["token_id"])
    assert mine["device_name"] == "Ada's laptop (VS Code)" and mine["scopes"] == ["read", "triage"]


async def test_triage_scope_acts_on_incidents(client: Client, api: Api, browser: Browser) -> None:
    owner = await api.account()
    project = await api.project(owner)
    await report(client, project)
    token = await _device_token(client, browser, owner)
    headers = {"Authorization": f"Bearer {token}"}
    page = await (
        await client.get(f"/api/v1/projects/{project['id']}/incidents", headers=headers)
    ).json()
    (incident,) = page["items"]
    resp = await client.post(
        f"/api/v1/incidents/{incident['id']}/acknowledge", headers=headers, json={}
    )
    assert resp.status == 200 and (await resp.json())["status"] == "acknowledged"
    resp = await client.post(
        f"/api/v1/incidents/{incident['id']}/comments", headers=headers, json={"body": "mine"}
    )
    assert resp.status == 201


async def _device_token(client: Client, browser: Browser, who: Account, **form: str) -> str:
    started = await start(client, device_name="test device", **form)
    await browser.sign_in(who.email)
    await decide(browser, started["user_code"])
    status, body = await poll(client, started["device_code"])
    assert status == 200, body
    token: str = body["access_token"]
    return token


async def test_admin_scope_only_when_asked_and_shown(
    client: Client, api: Api, browser: Browser
) -> None:
    owner = await api.account()
    started = await start(client, scope="read admin")
    await browser.sign_in(owner.email)
    status, html, _ = await browser.get(f"/device?user_code={started['user_code']}")
    assert status == 200 and '<span class="badge">admin</span>' in html
    resp = await client.post("/oauth/device/code", data={"scope": "read root"})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_scope"


async def test_denied_expired_and_malformed_polls(
    client: Client, api: Api, browser: Browser, database_url: str
) -> None:
    owner = await api.account()
    await browser.sign_in(owner.email)
    denied = await start(client)
    html = await decide(browser, denied["user_code"], "deny")
    assert "was denied" in html
    await asyncio.sleep(1)
    assert (await poll(client, denied["device_code"]))[1]["error"] == "access_denied"

    late = await start(client)
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE device_authorizations SET expires_at = now() - interval '1s'")
    finally:
        await conn.close()
    assert (await poll(client, late["device_code"]))[1]["error"] == "expired_token"
    status, html, _ = await browser.get(f"/device?user_code={late['user_code']}")
    assert status == 404, "an expired code cannot be approved"

    assert (await poll(client, "made-up"))[1]["error"] == "invalid_grant"
    resp = await client.post("/oauth/token", data={"grant_type": "password"})
    assert (await resp.json())["error"] == "unsupported_grant_type"
    resp = await client.post("/oauth/token", json={"grant_type": GRANT_TYPE})
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_request"


async def test_approval_page_needs_a_session_and_csrf_and_limits_guesses(
    client: Client, api: Api, browser: Browser
) -> None:
    started = await start(client)
    code = started["user_code"]
    status, _, resp = await browser.get(f"/device?user_code={code}")
    assert status == 303
    assert URL(resp.headers["Location"]).query["next"] == f"/device?user_code={code}"
    owner = await api.account()
    await browser.sign_in(owner.email)
    status, body, _ = await browser.post(
        "/device/decide", {"user_code": code, "decision": "approve", "csrf_token": "forged"},
        csrf=False,
    )  # fmt: skip
    assert status == 403
    assert (await poll(client, started["device_code"]))[1]["error"] == "authorization_pending"

    status, html, _ = await browser.post("/device", {"user_code": code.lower()})
    assert status == 200 and code in html, "typed in lower case, found anyway"
    for _ in range(10):
        status, html, _ = await browser.post("/device", {"user_code": "ZZZZ-ZZZZ"})
        assert status == 404 and "No device is waiting" in html
    status, html, _ = await browser.post("/device", {"user_code": code})
    assert status == 429, "after ten wrong codes even a right one waits"


async def test_account_page_lists_and_revokes_device_tokens(
    client: Client, api: Api, browser: Browser
) -> None:
    owner = await api.account()
    other = await api.account()
    token = await _device_token(client, browser, owner)
    headers = {"Authorization": f"Bearer {token}"}
    status, html, _ = await browser.get("/account/tokens")
    assert status == 200 and "test device" in html
    token_id = int(re.findall(r'data-token-id="(\d+)"', html)[0])

    other_browser = Browser(client)
    try:
        await other_browser.sign_in(other.email)
        status, _, _ = await other_browser.post(f"/account/tokens/{token_id}/revoke", {})
        assert status == 404, "another person's token is not theirs to revoke"
    finally:
        await other_browser.close()
    assert (await client.get("/api/v1/me", headers=headers)).status == 200

    status, _, resp = await browser.post(f"/account/tokens/{token_id}/revoke", {})
    assert status == 303 and resp.headers["Location"] == "/account/tokens"
    resp = await client.get("/api/v1/me", headers=headers)
    assert resp.status == 401 and (await resp.json())["error"]["code"] == "token_revoked"


async def test_railguard_login_approved_in_chromium(
    client: Client, api: Api, chromium: Chromium, tmp_path: Path
) -> None:
    """`railguard login` as its own process; the person approves in a real browser, signing
    in on the way (the verification link brings them back to the code)."""
    owner = await api.account()
    base = str(client.make_url("")).rstrip("/")
    creds = tmp_path / "creds.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "BROWSER")}
    login = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "railguard.server", "login", "--server", base, "--no-browser",
        "--credentials-file", str(creds), "--device-name", "chromium test", "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert login.stderr is not None
    first = (await asyncio.wait_for(login.stderr.readline(), 30)).decode()
    second = (await asyncio.wait_for(login.stderr.readline(), 30)).decode()
    link = re.search(r"\(or open (\S+)\)", second)
    assert link and "enter the code" in first, first + second

    context = await chromium.new_context(base_url=base)
    page = await context.new_page()
    try:
        await page.goto(link.group(1))
        await page.get_by_label("Email").fill(owner.email)
        await page.get_by_label("Password").fill("correct horse")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("button", name="Approve").click()
        await page.get_by_text("is signed in").wait_for()
    finally:
        await context.close()
    out, err = await asyncio.wait_for(login.communicate(), 30)
    assert login.returncode == 0, err.decode()
    result = json.loads(out)
    assert result["scope"] == "read triage" and result["device_name"] == "chromium test"
    token = json.loads(creds.read_text())["token"]
    resp = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert (await resp.json())["email"] == owner.email


async def test_starting_sign_ins_is_limited_per_address(client: Client) -> None:
    for _ in range(device.STARTS_PER_ADDRESS):
        await start(client)
    resp = await client.post("/oauth/device/code", data={"client_id": "test"})
    assert resp.status == 429 and resp.headers["Retry-After"] == "600"
    assert (await resp.json())["error"] == "slow_down"
