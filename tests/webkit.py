"""A browser-like HTTP client for the web app: its own cookie jar, the sign-in form, and the
CSRF token read from each page, as a browser without JavaScript would send them."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """One person's browser: cookies kept, redirects not followed (tests look at them)."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.base = str(client.make_url("")).rstrip("/")
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str, **kw: Any) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.session.get(self.base + path, allow_redirects=False, **kw) as resp:
            text = await resp.text()
            if 'name="csrf_token"' in text and resp.status == 200 and "/login" not in path:
                self.csrf = csrf_of(text)
            return resp.status, text, resp

    async def post(
        self, path: str, data: dict[str, Any] | list[tuple[str, str]], *, csrf: bool = True
    ) -> tuple[int, str, aiohttp.ClientResponse]:
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        if csrf:
            fields.append(("csrf_token", self.csrf))
        async with self.session.post(self.base + path, data=fields, allow_redirects=False) as resp:
            return resp.status, await resp.text(), resp

    async def sign_in(self, email: str, password: str = "correct horse") -> aiohttp.ClientResponse:
        status, html, _ = await self.get("/login")
        assert status == 200, html
        token = csrf_of(html)
        status, body, resp = await self.post(
            "/login", {"email": email, "password": password, "csrf_token": token}, csrf=False
        )
        assert status == 303, body
        # Any page with a form now carries the session's token.
        await self.get("/account/sessions")
        return resp
