"""Sign-in, the session cookie, CSRF on every form, sign-out and revoking sessions, over HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from support import Api
from webkit import Browser, csrf_of


@pytest.fixture
async def browser(client: TestClient[Any, Any]) -> AsyncIterator[Browser]:
    b = Browser(client)
    yield b
    await b.close()


async def test_pages_need_a_session_and_send_you_back_after_sign_in(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    status, _, resp = await browser.get("/projects?x=1")
    assert status == 303
    location = URL(resp.headers["Location"])
    assert location.path == "/login" and location.query["next"] == "/projects?x=1"
    owner = await api.account()
    status, html, _ = await browser.get(str(location))
    assert 'name="next" value="/projects?x=1"' in html
    status, _, resp = await browser.post(
        "/login", {"email": owner.email, "password": "correct horse", "next": "/projects?x=1",
                   "csrf_token": csrf_of(html)}, csrf=False,
    )  # fmt: skip
    assert status == 303 and resp.headers["Location"] == "/projects?x=1"
    cookie = resp.headers["Set-Cookie"]
    assert "rg_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie, "plain-HTTP public URL: a Secure cookie would never return"
    status, html, resp = await browser.get("/projects")
    assert status == 200 and owner.email in html
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


async def test_an_offsite_next_is_ignored(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        fresh = Browser(client)
        try:
            _, html, _ = await fresh.get("/login")
            status, _, resp = await fresh.post(
                "/login", {"email": owner.email, "password": "correct horse", "next": target,
                           "csrf_token": csrf_of(html)}, csrf=False,
            )  # fmt: skip
            assert status == 303 and resp.headers["Location"] == "/"
        finally:
            await fresh.close()


async def test_wrong_password_and_forged_login_form_are_refused(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    _, html, _ = await browser.get("/login")
    status, body, resp = await browser.post(
        "/login",
        {"email": owner.email, "password": "wrong", "csrf_token": csrf_of(html)},
        csrf=False,
    )
    assert status == 401 and "Wrong email or password." in body
    assert "rg_session" not in resp.headers.get("Set-Cookie", "")
    # A form posted from another site has no matching token (its cookie is not readable there).
    status, body, _ = await browser.post(
        "/login",
        {"email": owner.email, "password": "correct horse", "csrf_token": "forged"},
        csrf=False,
    )
    assert status == 403
    assert "rg_session" not in browser.session.cookie_jar.filter_cookies(URL(browser.base))
    assert (await browser.get("/projects"))[0] == 303, "not signed in"


async def test_every_form_needs_the_sessions_csrf_token(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    await browser.sign_in(owner.email)
    pid = project["id"]
    forms = [
        ("/projects/new", {"name": "x", "repository": "github.com/acme/other"}),
        (f"/projects/{pid}/settings", {"name": "renamed"}),
        (f"/projects/{pid}/keys", {"label": "k"}),
        (f"/projects/{pid}/keys/{project['ingest_key']['id']}/revoke", {}),
        ("/logout", {}),
    ]
    for path, data in forms:
        for token in ("", "not-the-token"):
            status, body, _ = await browser.post(path, {**data, "csrf_token": token}, csrf=False)
            assert status == 403 and "not sent from this site" in body, path
    keys = await (await client.get(f"/api/v1/projects/{pid}/keys", headers=owner.headers)).json()
    assert [k["revoked_at"] for k in keys] == [None], "nothing changed"
    status, _, _ = await browser.get("/projects")
    assert status == 200, "still signed in"


async def test_sign_out_and_revoke_another_session(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    phone = Browser(client)
    try:
        await browser.sign_in(owner.email)
        await phone.sign_in(owner.email)
        status, html, _ = await browser.get("/account/sessions")
        ids = sorted(int(x) for x in re.findall(r"/account/sessions/(\d+)/revoke", html))
        assert status == 200 and len(ids) == 2 and "this browser" in html
        status, _, _ = await browser.post(f"/account/sessions/{ids[1]}/revoke", {})
        assert status == 303
        status, _, _ = await phone.get("/projects")
        assert status == 303, "the revoked browser is signed out"
        status, _, resp = await browser.post("/logout", {})
        assert status == 303 and resp.headers["Location"] == "/login"
        status, _, _ = await browser.get("/projects")
        assert status == 303
    finally:
        await phone.close()


async def test_one_cannot_revoke_someone_elses_session(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    alice, bob = await api.account(), await api.account()
    other = Browser(client)
    try:
        await other.sign_in(bob.email)
        _, html, _ = await other.get("/account/sessions")
        (bob_session,) = re.findall(r"/account/sessions/(\d+)/revoke", html)
        await browser.sign_in(alice.email)
        status, body, _ = await browser.post(f"/account/sessions/{bob_session}/revoke", {})
        assert status == 404
        assert (await other.get("/projects"))[0] == 200
    finally:
        await other.close()
