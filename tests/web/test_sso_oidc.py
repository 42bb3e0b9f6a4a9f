"""Sign-in with OpenID Connect against a real provider (oidc-provider under Node, on
loopback): authorization code with PKCE through real HTTP, the provider's own login and
consent forms, ID tokens checked by Railguard; linking by verified email only; the sign-up
policies; a forged or replayed callback; and once the whole way in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser as Chromium

from pagecheck import DESKTOP, PHONE, PageProblems, check_page
from railguard.server.app import create_app
from railguard.server.settings import Settings
from railguard.server.sso.config import SsoProvider
from ssokit import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, provider_login
from support import Api, free_port
from webkit import Browser, csrf_of

Client = TestClient[Any, Any]


@pytest.fixture
def op(web_port: int, tmp_path: Path) -> Iterator[OpenIdProvider]:
    provider = OpenIdProvider(
        f"http://127.0.0.1:{web_port}/login/sso/test/callback", tmp_path / "op.log"
    )
    try:
        yield provider.start()
    finally:
        provider.stop()


@pytest.fixture
def signup() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(
    database_url: str, web_port: int, op: OpenIdProvider, signup: dict[str, Any]
) -> Settings:
    test_op = SsoProvider(
        name="test", kind="oidc", label="Test OP", client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET, issuer=op.issuer, scopes="openid email",
    )  # fmt: skip
    return Settings(
        database_url=database_url, public_url=f"http://127.0.0.1:{web_port}",
        argon2_memory_kib=1024, argon2_time_cost=1, writer_batch_wait_ms=2,
        sso_providers=(test_op,), **signup,
    )  # fmt: skip


@pytest.fixture
async def jar() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def sign_in(
    client: Client, jar: aiohttp.ClientSession, account: str, next_path: str = "/projects"
) -> tuple[int, str, aiohttp.ClientResponse]:
    """Press the button, sign in at the provider as `account`, come back: (status, body,
    response) of Railguard's callback."""
    base = str(client.make_url("")).rstrip("/")
    callback = f"{base}/login/sso/test/callback"
    resp = await provider_login(
        jar, f"{base}/login/sso/test?next={next_path}", account, stop_at=callback
    )
    back = await jar.get(resp.headers["Location"], allow_redirects=False)
    return back.status, await back.text(), back


async def me_on_the_web(client: Client, jar: aiohttp.ClientSession) -> str:
    base = str(client.make_url("")).rstrip("/")
    resp = await jar.get(f"{base}/account/sessions", allow_redirects=False)
    assert resp.status == 200, resp.status
    return await resp.text()


async def test_verified_email_signs_in_to_the_existing_account(
    client: Client, api: Api, jar: aiohttp.ClientSession
) -> None:
    await api.account("ada@example.com")
    status, body, resp = await sign_in(client, jar, "ada")
    assert status == 303, body
    assert resp.headers["Location"] == "/projects"
    page = await me_on_the_web(client, jar)
    assert "ada@example.com" in page and "with sso:test" in page
    # Linked: the next sign-in finds the identity, whatever the email says then.
    jar.cookie_jar.clear()
    status, body, _ = await sign_in(client, jar, "ada")
    assert status == 303, body


async def test_unverified_email_never_merges_into_an_account(
    client: Client, api: Api, jar: aiohttp.ClientSession
) -> None:
    await api.account("ada@example.com")
    status, body, resp = await sign_in(client, jar, "eve")
    assert status == 403 and "no verified email" in body
    assert "rg_session" not in {c.key for c in jar.cookie_jar}
    base = str(client.make_url("")).rstrip("/")
    assert (await jar.get(f"{base}/account/sessions", allow_redirects=False)).status == 303


async def test_first_person_signs_up_then_sign_up_is_by_invitation(
    client: Client, jar: aiohttp.ClientSession
) -> None:
    status, body, _ = await sign_in(client, jar, "grace")
    assert status == 303, body
    assert "grace@example.org" in await me_on_the_web(client, jar)
    jar.cookie_jar.clear()
    status, body, _ = await sign_in(client, jar, "mallory")
    assert status == 403 and "by invitation" in body


@pytest.mark.parametrize(
    "signup", [{"signup": "domains", "signup_domains": ["example.org"]}], ids=["domains"]
)
async def test_allowed_domains_sign_up(
    client: Client, api: Api, jar: aiohttp.ClientSession
) -> None:
    await api.account()  # not the first account any more
    status, body, _ = await sign_in(client, jar, "mallory")
    assert status == 403 and "by invitation" in body
    jar.cookie_jar.clear()
    status, body, _ = await sign_in(client, jar, "grace")
    assert status == 303, body


async def test_forged_and_replayed_callbacks_are_refused(
    client: Client, api: Api, jar: aiohttp.ClientSession
) -> None:
    await api.account("ada@example.com")
    base = str(client.make_url("")).rstrip("/")
    callback = f"{base}/login/sso/test/callback"
    resp = await provider_login(jar, f"{base}/login/sso/test", "ada", stop_at=callback)
    url = resp.headers["Location"]
    query = dict(parse_qsl(urlsplit(url).query))
    forged = callback + "?" + urlencode({**query, "state": "x" * 43})
    wrong = await jar.get(forged, allow_redirects=False)
    assert wrong.status == 401 and "not started in this browser" in await wrong.text()

    # Another browser (no state cookie) cannot finish this sign-in.
    async with aiohttp.ClientSession() as stranger:
        stolen = await stranger.get(url, allow_redirects=False)
        assert stolen.status == 401

    ok = await jar.get(url, allow_redirects=False)
    assert ok.status == 401, "the forged attempt cleared this browser's state cookie"
    resp = await provider_login(jar, f"{base}/login/sso/test", "ada", stop_at=callback)
    first = await jar.get(resp.headers["Location"], allow_redirects=False)
    assert first.status == 303
    replay = await jar.get(resp.headers["Location"], allow_redirects=False)
    assert replay.status == 401, "a callback is used once"
    unknown = await jar.get(f"{base}/login/sso/nope", allow_redirects=False)
    assert unknown.status == 404


async def test_sign_in_with_the_provider_in_chromium(
    client: Client, api: Api, chromium: Chromium
) -> None:
    await api.account("ada@example.com")
    base = str(client.make_url("")).rstrip("/")
    context = await chromium.new_context(base_url=base)
    page = await context.new_page()
    try:
        await page.goto("/projects")
        await page.get_by_role("link", name="Test OP").click()
        await page.locator('input[name="login"]').fill("ada")
        await page.locator('input[name="password"]').fill("any password")
        await page.locator('button[type="submit"]').first.click()
        await page.locator('button[type="submit"]').first.click()  # consent: Continue
        await page.wait_for_url(f"{base}/projects", timeout=30_000)
        await page.goto("/account/sessions")
        assert "with sso:test" in await page.content()
    finally:
        await context.close()


async def _request_access(client: Client, email: str) -> tuple[int, str]:
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as visitor:
        form_page = await (await visitor.get(f"{base}/request-access")).text()
        token = csrf_of(form_page)
        resp = await visitor.post(
            f"{base}/request-access",
            data={"email": email, "name": "Someone", "reason": "on call", "csrf_token": token},
        )
        return resp.status, await resp.text()


async def test_access_request_approved_by_an_administrator_admits_sign_up(
    client: Client, api: Api, jar: aiohttp.ClientSession
) -> None:
    admin = await api.account()  # the first account administers until roles exist
    member = await api.account()
    status, body, _ = await sign_in(client, jar, "mallory")
    assert status == 403 and "by invitation" in body

    status, asked = await _request_access(client, "mallory@elsewhere.test")
    assert status == 200 and "Thank you" in asked
    status, known = await _request_access(client, member.email)
    assert (status, known) == (200, asked), "the same answer whether the address is known"
    status, again = await _request_access(client, "mallory@elsewhere.test")
    assert (status, again) == (200, asked)

    outsider = Browser(client)
    try:
        await outsider.sign_in(member.email)
        status, _, _ = await outsider.get("/admin/access-requests")
        assert status == 403
    finally:
        await outsider.close()

    deciding = Browser(client)
    try:
        await deciding.sign_in(admin.email)
        status, html, _ = await deciding.get("/admin/access-requests")
        assert status == 200 and "mallory@elsewhere.test" in html
        assert member.email not in html, "no request is made for an existing account"
        (request_id,) = re.findall(r'data-request-id="(\d+)"', html)
        status, _, _ = await deciding.post(
            f"/admin/access-requests/{request_id}", {"decision": "approve"}
        )
        assert status == 303
    finally:
        await deciding.close()

    jar.cookie_jar.clear()
    status, body, _ = await sign_in(client, jar, "mallory")
    assert status == 303, body
    assert "mallory@elsewhere.test" in await me_on_the_web(client, jar)


async def test_request_access_form_refuses_forgeries_and_floods(client: Client) -> None:
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as forger:
        resp = await forger.post(
            f"{base}/request-access", data={"email": "x@example.com", "csrf_token": "forged"}
        )
        assert resp.status == 403
    status, body = await _request_access(client, "not an address")
    assert status == 422 and "Enter an email address" in body
    for i in range(4):  # the refused one above counted too
        status, _ = await _request_access(client, f"flood{i}@example.com")
        assert status == 200
    status, body = await _request_access(client, "flood9@example.com")
    assert status == 429 and "Too many requests" in body


@pytest.mark.parametrize(
    ("column", "refusal"),
    [
        ("nonce", "the ID token was not valid"),  # the ID token carries the original nonce
        ("code_verifier", "the provider answered 400 to the token request"),  # PKCE enforced
    ],
)
async def test_a_tampered_nonce_or_verifier_fails_the_sign_in(
    client: Client, api: Api, jar: aiohttp.ClientSession, database_url: str, column: str,
    refusal: str,
) -> None:  # fmt: skip
    await api.account("ada@example.com")
    base = str(client.make_url("")).rstrip("/")
    callback = f"{base}/login/sso/test/callback"
    resp = await provider_login(jar, f"{base}/login/sso/test", "ada", stop_at=callback)
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"UPDATE sso_states SET {column} = 'x' || {column}")
    finally:
        await conn.close()
    back = await jar.get(resp.headers["Location"], allow_redirects=False)
    assert back.status == 401 and refusal in await back.text()


async def test_an_issuer_that_names_another_issuer_is_refused(
    web_port: int, op: OpenIdProvider, database_url: str
) -> None:
    """Discovery at localhost answers for 127.0.0.1: not the configured issuer."""
    wrong = SsoProvider(
        name="test", kind="oidc", label="Test OP", client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET, issuer=op.issuer.replace("127.0.0.1", "localhost"),
    )  # fmt: skip
    settings = Settings(
        database_url=database_url, public_url=f"http://127.0.0.1:{web_port}",
        argon2_memory_kib=1024, argon2_time_cost=1, sso_providers=(wrong,),
    )  # fmt: skip
    async with TestClient(
        TestServer(create_app(settings), host="127.0.0.1", port=free_port())
    ) as c:
        resp = await c.get("/login/sso/test", allow_redirects=False)
        assert resp.status == 401 and "names another issuer" in await resp.text()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_sign_in_pages_pass_the_page_checks(
    client: Client, api: Api, chromium: Chromium, axe_source: str, screenshots: Path,
    viewport: dict[str, int],
) -> None:  # fmt: skip
    """Accessibility (axe), layout and console of every page this feature adds."""
    phone = viewport == PHONE
    tag = "phone" if phone else "desktop"
    admin = await api.account()
    await _request_access(client, "someone@example.net")
    started = await (await client.post("/oauth/device/code", data={"device_name": "Laptop"})).json()
    base = str(client.make_url("")).rstrip("/")
    context = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    page = await context.new_page()
    problems = PageProblems(page)

    async def check(name: str) -> None:
        await check_page(
            page, problems, axe_source, screenshots, f"{tag}-signin-{name}", phone=phone
        )

    try:
        await page.goto("/login")
        await check("login-with-providers")
        await page.goto("/request-access")
        await check("request-access")
        await page.goto("/login")
        await page.get_by_label("Email").fill(admin.email)
        await page.get_by_label("Password").fill("correct horse")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("heading", name="Projects").wait_for()
        await page.goto("/device")
        await check("device-enter")
        await page.get_by_label("Code shown on the device").fill(started["user_code"])
        await page.get_by_role("button", name="Continue").click()
        await check("device-confirm")
        await page.get_by_role("button", name="Approve").click()
        await check("device-approved")
        await page.goto("/account/tokens")
        await check("tokens")
        await page.goto("/admin/access-requests")
        await check("access-requests")
    finally:
        await context.close()
