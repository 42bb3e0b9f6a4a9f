"""Who is calling: personal API tokens from `Authorization: Bearer`. Cookies are ignored."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from railguard.server import security
from railguard.server.db import queries
from railguard.server.errors import Forbidden, NotFound, Unauthorized
from railguard.server.keys import POOL

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="railguard"'}


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    display_name: str
    token_id: int


async def require_user(request: web.Request) -> CurrentUser:
    """The token's user, or 401 saying whether the token is missing, unknown, revoked or expired."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "Send a personal API token as `Authorization: Bearer <token>`.",
            code="missing_token",
            headers=_CHALLENGE,
        )
    if not security.token_looks_valid(token):
        raise Unauthorized("The token is not valid.", code="invalid_token", headers=_CHALLENGE)
    digest = security.token_hash(token)
    pool = request.app[POOL]
    row = await queries.authenticate_token(pool, token_hash=digest)
    if row is None:
        state = await queries.token_state(pool, token_hash=digest)
        code = f"token_{state}" if state else "invalid_token"
        message = f"The token is {state}." if state else "The token is not valid."
        raise Unauthorized(message, code=code, headers=_CHALLENGE)
    return CurrentUser(row["id"], row["email"], row["display_name"], row["token_id"])


async def require_member(
    request: web.Request, user: CurrentUser, project_id: int
) -> dict[str, object]:
    """The project as the user sees it; another tenant's project is indistinguishable from none."""
    row = await queries.get_project(request.app[POOL], project_id=project_id, user_id=user.id)
    if row is None:
        raise NotFound("No such project.")
    return dict(row)


def require_owner(project: dict[str, object]) -> None:
    if project["role"] != "owner":
        raise Forbidden("Only a project owner can do this.")
