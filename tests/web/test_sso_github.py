"""Sign-in with GitHub.

GitHub itself cannot be reached from the test machines, so these tests run Railguard against
a local aiohttp server that implements GitHub's documented OAuth app endpoints
(`/login/oauth/authorize`, `/login/oauth/access_token`) and REST API answers (`/user`,
`/user/emails` with their `primary` and `verified` flags), with the base URLs Railguard takes
for GitHub Enterprise pointed at it. The stand-in checks what GitHub checks: client secret,
redirect URI, single-use codes and the PKCE verifier.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from railguard.server.settings import Settings
from railguard.server.sso.config import SsoProvider
from support import Api, free_port

Client = TestClient[Any, Any]
SECRET = "github-test-secret"


@dataclass
class GitHubUser:
    id: int
    login: str
    emails: list[dict[str, Any]]


@dataclass
class FakeGitHub:
    """The person signed in at the stand-in, and the codes and tokens it issued."""

    user: GitHubUser | None = None
    codes: dict[str, tuple[GitHubUser, str, str]] = field(default_factory=dict)
    tokens: dict[str, GitHubUser] = field(default_factory=dict)

    async def authorize(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        assert self.user is not None and q["client_id"] == "gh-client"
        assert q["code_challenge_method"] == "S256"
        code = secrets.token_hex(10)
        self.codes[code] = (self.user, q["code_challenge"], q["redirect_uri"])
        raise web.HTTPFound(
            q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
        )

    async def access_token(self, request: web.Request) -> web.Response:
        assert request.headers["Accept"] == "application/json"
        form = await request.post()
        found = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            found is None or form.get("client_secret") != SECRET
            or challenge.decode().rstrip("=") != found[1] or form.get("redirect_uri") != found[2]
        ):  # fmt: skip
            return web.json_response({"error": "bad_verification_code"})  # GitHub answers 200
        token = "gho_" + secrets.token_hex(16)
        self.tokens[token] = found[0]
        return web.json_response({"access_token": token, "token_type": "bearer", "scope": ""})

    def _caller(self, request: web.Request) -> GitHubUser:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            raise web.HTTPUnauthorized()
        return self.tokens[token]

    async def api_user(self, request: web.Request) -> web.Response:
        user = self._caller(request)
        return web.json_response({"login": user.login, "id": user.id, "name": None})

    async def api_emails(self, request: web.Request) -> web.Response:
        return web.json_response(self._caller(request).emails)


@pytest.fixture
async def github() -> AsyncIterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub()
    app = web.Application()
    app.router.add_get("/login/oauth/authorize", fake.authorize)
    app.router.add_post("/login/oauth/access_token", fake.access_token)
    app.router.add_get("/api/user", fake.api_user)
    app.router.add_get("/api/user/emails", fake.api_emails)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
def client_secret() -> str:
    return SECRET


@pytest.fixture
def settings(
    database_url: str, web_port: int, github: tuple[FakeGitHub, str], client_secret: str
) -> Settings:
    base = github[1]
    provider = SsoProvider(
        name="github", kind="github", label="GitHub", client_id="gh-client",
        client_secret=client_secret, scopes="read:user user:email", web_url=base,
        api_url=base + "/api",
    )  # fmt: skip
    return Settings(
        database_url=database_url, public_url=f"http://127.0.0.1:{web_port}",
        argon2_memory_kib=1024, argon2_time_cost=1, sso_providers=(provider,),
    )  # fmt: skip


async def sign_in(client: Client) -> tuple[int, str]:
    base = str(client.make_url("")).rstrip("/")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        resp = await browser.get(f"{base}/login/sso/github", allow_redirects=True)
        body = await resp.text()
        if resp.url.path.startswith("/login"):  # refused: the sign-in page with the reason
            return resp.status, body
        page = await browser.get(f"{base}/account/sessions")
        return page.status, await page.text()


def emails(address: str, *, verified: bool) -> list[dict[str, Any]]:
    return [
        {"email": "someone@users.noreply.github.com", "primary": False, "verified": True,
         "visibility": None},
        {"email": address, "primary": True, "verified": verified, "visibility": "private"},
    ]  # fmt: skip


async def test_verified_primary_email_links_and_the_github_id_is_the_identity(
    client: Client, api: Api, github: tuple[FakeGitHub, str]
) -> None:
    fake, _ = github
    await api.account("octo@example.com")
    fake.user = GitHubUser(583231, "octocat", emails("octo@example.com", verified=True))
    status, page = await sign_in(client)
    assert status == 200 and "octo@example.com" in page and "with sso:github" in page
    # A renamed login and a changed email still sign in to the same account (the id is kept).
    fake.user = GitHubUser(583231, "octo-renamed", emails("new@example.com", verified=True))
    status, page = await sign_in(client)
    assert "octo@example.com" in page


async def test_unverified_primary_email_does_not_link(
    client: Client, api: Api, github: tuple[FakeGitHub, str]
) -> None:
    fake, _ = github
    await api.account("victim@example.com")
    fake.user = GitHubUser(1, "attacker", emails("victim@example.com", verified=False))
    status, body = await sign_in(client)
    # The only verified address is GitHub's noreply one: a new account, never the victim's;
    # and sign-up is by invitation once an account exists.
    assert status == 403 and "by invitation" in body


@pytest.mark.parametrize("client_secret", ["wrong"])
async def test_a_wrong_client_secret_is_a_clear_failure(
    client: Client, github: tuple[FakeGitHub, str]
) -> None:
    fake, _ = github
    fake.user = GitHubUser(2, "someone", emails("someone@example.com", verified=True))
    status, body = await sign_in(client)
    assert status == 401 and "GitHub refused the code (bad_verification_code)" in body
