"""Sign-in buttons' two routes: `/login/sso/<provider>` sends the browser to the provider,
`/login/sso/<provider>/callback` takes it back, checks the sign-in and starts a session.

The state goes to the provider in the URL and stays in this browser in a cookie of its own;
the callback needs both to agree (so nobody can finish a sign-in they did not start in this
browser), and the stored attempt, which holds the nonce and the PKCE verifier, is used once.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web

from railguard.server.db import queries
from railguard.server.errors import DomainError, NotFound, Unauthorized
from railguard.server.http_errors import status_of
from railguard.server.keys import POOL, SETTINGS
from railguard.server.sso import accounts as sso_accounts
from railguard.server.sso.github import GitHubClient
from railguard.server.sso.identity import Attempt
from railguard.server.sso.oidc import OidcClient
from railguard.server.views.accounts import client_address
from railguard.server.web import guard, sessions
from railguard.server.web.account_pages import login_form

STATE_COOKIE = "rg_sso_state"
ATTEMPT_LIFETIME = timedelta(minutes=10)
Client = OidcClient | GitHubClient
CLIENTS: web.AppKey[dict[str, Client]] = web.AppKey("sso_clients")


async def _clients(app: web.Application) -> AsyncIterator[None]:
    settings = app.get(SETTINGS)  # an app built without settings (tests' probes) has none
    providers = settings.sso_providers if settings is not None else ()
    timeout = aiohttp.ClientTimeout(total=15)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        app[CLIENTS] = {
            p.name: OidcClient(p, http) if p.kind == "oidc" else GitHubClient(p, http)
            for p in providers
        }
        yield


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(_clients)


def _client(request: web.Request) -> Client:
    found = request.app[CLIENTS].get(request.match_info["provider"])
    if found is None:
        raise NotFound("No such sign-in provider.")
    return found


def _redirect_uri(request: web.Request, name: str) -> str:
    return f"{request.app[SETTINGS].public_base}/login/sso/{name}/callback"


def _hash(state: str) -> bytes:
    return hashlib.sha256(state.encode()).digest()


async def start(request: web.Request) -> web.StreamResponse:
    client = _client(request)
    name = client.provider.name
    attempt = Attempt.new()
    url = await client.authorization_url(_redirect_uri(request, name), attempt)
    await queries.save_sso_state(
        request.app[POOL], state_hash=_hash(attempt.state), provider=name, nonce=attempt.nonce,
        code_verifier=attempt.code_verifier,
        next_path=guard.safe_next(request.query.get("next")),
        expires_at=datetime.now(UTC) + ATTEMPT_LIFETIME,
    )  # fmt: skip
    response = guard.redirect(url)
    response.set_cookie(
        STATE_COOKIE, attempt.state, httponly=True, samesite="Lax",
        secure=guard.is_secure(request), path="/login/sso",
        max_age=int(ATTEMPT_LIFETIME.total_seconds()),
    )  # fmt: skip
    raise response


async def callback(request: web.Request) -> web.StreamResponse:
    client = _client(request)
    try:
        user_id, next_path = await _finish(request, client)
    except DomainError as exc:
        response = login_form(request, error=exc.message, status=status_of(exc))
        response.del_cookie(STATE_COOKIE, path="/login/sso")
        return response
    secret, expires_at = await sessions.start(
        request.app[POOL], user_id=user_id, method=f"sso:{client.provider.name}",
        user_agent=request.headers.get("User-Agent", ""), address=client_address(request),
    )  # fmt: skip
    response = guard.redirect(next_path)
    response.set_cookie(
        guard.COOKIE, secret, httponly=True, samesite="Lax", secure=guard.is_secure(request),
        path="/", expires=expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    )  # fmt: skip
    response.del_cookie(STATE_COOKIE, path="/login/sso")
    raise response


async def _finish(request: web.Request, client: Client) -> tuple[int, str]:
    query = request.query
    if "error" in query:
        raise Unauthorized(
            f"Sign-in failed: {client.provider.label} said {query['error'][:100]!r}.",
            code="sso_failed",
        )
    state, code = query.get("state", ""), query.get("code", "")
    cookie = request.cookies.get(STATE_COOKIE, "")
    if not state or not code or state != cookie or len(state) > 200:
        raise Unauthorized(
            "Sign-in failed: it was not started in this browser, or it was already used. "
            "Try again.",
            code="sso_state_mismatch",
        )
    pool = request.app[POOL]
    row = await queries.take_sso_state(pool, state_hash=_hash(state))
    if row is None or not row["live"] or row["provider"] != client.provider.name:
        raise Unauthorized("Sign-in failed: it took too long or was already used. Try again.",
                           code="sso_state_mismatch")  # fmt: skip
    attempt = Attempt(state, row["nonce"], row["code_verifier"])
    identity = await client.identity(code, _redirect_uri(request, client.provider.name), attempt)
    user_id = await sso_accounts.sign_in(pool, request.app[SETTINGS], identity)
    return user_id, str(row["next_path"])


ROUTES = [
    ("GET", "/login/sso/{provider}", start),
    ("GET", "/login/sso/{provider}/callback", callback),
]
