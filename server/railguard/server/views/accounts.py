"""Sign-up, login, the current user and personal API tokens."""

from __future__ import annotations

from aiohttp import web

from railguard.server import accounts, audit
from railguard.server.auth import USER
from railguard.server.endpoints import Endpoint
from railguard.server.http import int_param, json_response, parse_request
from railguard.server.keys import HASHER, POOL, SETTINGS
from railguard.wire import models as w


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


async def _audit(
    request: web.Request, user_id: int, action: str, target: str,
    detail: dict[str, object] | None = None,
) -> None:  # fmt: skip
    """Personal acts go to the audit log of every organisation the person belongs to."""
    await audit.record_for_user(request.app[POOL], actor_id=user_id, action=action,
                                target=target, detail=detail,
                                address=client_address(request))  # fmt: skip


async def signup(request: web.Request) -> web.Response:
    body = await parse_request(request, w.SignupRequest)
    accepted = await accounts.sign_up(
        request.app[POOL], request.app[HASHER], request.app[SETTINGS],
        email=body.email, password=body.password, display_name=body.display_name,
    )  # fmt: skip
    return json_response(accepted, status=202)


async def login(request: web.Request) -> web.Response:
    body = await parse_request(request, w.LoginRequest)
    settings = request.app[SETTINGS]
    result = await accounts.login(
        request.app[POOL], request.app[HASHER],
        email=body.email, password=body.password, address=client_address(request),
        token_name=body.token_name,
        max_per_pair=settings.login_failures_per_address_account_per_hour,
        max_per_address=settings.login_failures_per_address_per_hour,
    )  # fmt: skip
    await _audit(request, result.user.id, "token.create",
                 f"token:{result.token_info.id}", {"via": "login"})  # fmt: skip
    return json_response(result, status=201)


async def me(request: web.Request) -> web.Response:
    user = request[USER]
    row = await accounts.get_user_by_email(request.app[POOL], user.email)
    return json_response(accounts.user_model(row))


async def create_token(request: web.Request) -> web.Response:
    user = request[USER]
    body = await parse_request(request, w.TokenCreateRequest)
    token = await accounts.create_token(
        request.app[POOL], user_id=user.id, name=body.name,
        expires_in_days=body.expires_in_days, scopes=body.scopes,
    )  # fmt: skip
    await _audit(request, user.id, "token.create", f"token:{token.id}", {"name": body.name})
    return json_response(token, status=201)


async def list_tokens(request: web.Request) -> web.Response:
    user = request[USER]
    return json_response(await accounts.list_tokens(request.app[POOL], user.id))


async def revoke_token(request: web.Request) -> web.Response:
    user = request[USER]
    token_id = int_param(request, "token_id")
    revoked = await accounts.revoke_token(request.app[POOL], user_id=user.id, token_id=token_id)
    await _audit(request, user.id, "token.revoke", f"token:{token_id}")
    return json_response(revoked)


ENDPOINTS = [
    Endpoint("POST", "/api/v1/auth/signup", signup, "signup",
             "Create an account (the same answer for a taken address).",
             request=w.SignupRequest, response=w.SignupAccepted, status=202,
             authenticated=False, errors=(400, 422)),
    Endpoint("POST", "/api/v1/auth/login", login, "login",
             "Check email and password and mint a personal API token.",
             request=w.LoginRequest, response=w.LoginResponse, status=201, authenticated=False,
             errors=(400, 401, 422, 429)),
    Endpoint("GET", "/api/v1/me", me, "me", "The user the token belongs to.", response=w.User),
    Endpoint("POST", "/api/v1/tokens", create_token, "create_token",
             "Mint a personal API token (the secret is shown once).",
             request=w.TokenCreateRequest, response=w.TokenCreated, status=201, errors=(400, 422)),
    Endpoint("GET", "/api/v1/tokens", list_tokens, "list_tokens", "Your tokens (no secrets).",
             response=w.Token, many=True),
    Endpoint("DELETE", "/api/v1/tokens/{token_id}", revoke_token, "revoke_token",
             "Revoke one of your tokens (any token may: revoking only takes access away).",
             response=w.Token, errors=(404,), scope="read"),
]  # fmt: skip
