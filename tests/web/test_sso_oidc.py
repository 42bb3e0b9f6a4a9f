"""Sign-in with OpenID Connect against a real provider (oidc-provider under Node, on
loopback): authorization code with PKCE through real HTTP, the provider's own login and
consent forms, ID tokens checked by Railguard; linking by verified email only; the sign-up
policies; a forged or replayed callback; and once the whole way in headless Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser as Chromium

from railguard.server.settings import Settings
from railguard.server.sso.config import SsoProvider
from ssokit import CLIENT_ID, CLIENT_SECRET, OpenIdProvider, provider_login
from support import Api

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
