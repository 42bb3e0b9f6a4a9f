"""A browser-like HTTP client for the web app: its own cookie jar, the sign-in form, and the
CSRF token read from each page, as a browser without JavaScript would send them."""

from __future__ import annotations

import asyncio
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


async def report(
    client: TestClient[Any, Any],
    project: dict[str, Any],
    *,
    error_type: str = "KeyError",
    message: str = "'missing'",
    path: str = "shop/billing.py",
    function: str = "load_invoice",
    **fields: Any,
) -> None:
    """One event through the native API, with a one-frame in-app stack."""
    event = {
        "error_type": error_type, "message": message,
        "frames": [{"filename": path, "function": function, "lineno": 2, "in_app": True,
                    "context_line": "return invoices[number]"}],
        **fields,
    }  # fmt: skip
    resp = await client.post(
        "/api/v1/events", json=event,
        headers={"X-Railguard-Key": project["ingest_key"]["public_key"]},
    )  # fmt: skip
    assert resp.status == 201, await resp.text()


async def incidents_of(
    client: TestClient[Any, Any], headers: dict[str, str], project_id: int, count: int
) -> list[dict[str, Any]]:
    """The project's incidents (any status) once there are `count` of them (the writer is
    asynchronous)."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        resp = await client.get(
            f"/api/v1/projects/{project_id}/incidents",
            params={"status": "open,acknowledged,resolved,ignored"}, headers=headers,
        )  # fmt: skip
        items: list[dict[str, Any]] = (await resp.json())["items"]
        if len(items) >= count:
            return items
        assert asyncio.get_running_loop().time() < deadline, f"only {len(items)} incidents"
        await asyncio.sleep(0.05)
