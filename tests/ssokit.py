"""A real OpenID Connect provider for the sign-in tests, and a client that walks its forms.

`OpenIdProvider` runs the npm package oidc-provider (tests/web/oidc, installed by
`make browser`) under Node on a loopback port, with one client whose redirect URI is the
Railguard under test and PKCE required. Accounts (any password): `ada` (ada@example.com,
verified), `eve` (ada@example.com, *not* verified), `grace` (grace@example.org, verified),
`mallory` (mallory@elsewhere.test, verified).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import aiohttp
import pytest

from support import free_port

OIDC_DIR = Path(__file__).parent / "web" / "oidc"
CLIENT_ID = "railguard"
CLIENT_SECRET = "railguard-test-secret"
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')


class OpenIdProvider:
    def __init__(self, redirect_uri: str, log: Path) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.redirect_uri = redirect_uri
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> OpenIdProvider:
        node = shutil.which("node")
        if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
            pytest.skip("oidc-provider is not installed in tests/web/oidc: run `make browser`")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [node, "provider.mjs", str(self.port), self.redirect_uri],
                cwd=OIDC_DIR, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        for _ in range(300):
            if f"listening {self.port}" in self.log.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                break
            subprocess.run(["sleep", "0.1"], check=True)
        raise RuntimeError(f"oidc-provider did not start:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def follow(
    session: aiohttp.ClientSession, url: str, *, stop_at: str, limit: int = 20
) -> aiohttp.ClientResponse:
    """GET `url` following redirects by hand until one points at `stop_at` (not fetched) or
    a page answers; returns the last response (its body read)."""
    for _ in range(limit):
        resp = await session.get(url, allow_redirects=False)
        await resp.read()
        location = resp.headers.get("Location")
        if resp.status not in (301, 302, 303, 307) or location is None:
            return resp
        url = urljoin(url, location)
        if url.startswith(stop_at):
            return resp
    raise AssertionError("too many redirects")


async def provider_login(
    session: aiohttp.ClientSession, start_url: str, account: str, stop_at: str
) -> aiohttp.ClientResponse:
    """From Railguard's sign-in button to the redirect back at `stop_at`: the provider's login
    form (any password) and consent form posted as a browser would."""
    resp = await follow(session, start_url, stop_at=stop_at)
    for _ in range(4):
        if resp.status in (302, 303) and urljoin(
            str(resp.url), resp.headers["Location"]
        ).startswith(stop_at):
            return resp
        html = await resp.text()
        match = _FORM.search(html)
        assert match, f"no form at {resp.url}: {html[:500]}"
        action, inner = match.group(1), match.group(2)
        fields = dict(_HIDDEN.findall(inner))
        if 'name="login"' in inner:
            fields.update(login=account, password="any password")
        target = urljoin(str(resp.url), action)
        posted = await session.post(target, data=fields, allow_redirects=False)
        await posted.read()
        assert posted.status in (302, 303), (posted.status, await posted.text())
        location = urljoin(target, posted.headers["Location"])
        if location.startswith(stop_at):
            return posted
        resp = await follow(session, location, stop_at=stop_at)
    raise AssertionError("the provider's forms did not lead back")
