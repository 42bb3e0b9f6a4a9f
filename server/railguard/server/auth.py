"""Who is calling, enforced from the endpoint table, and what they may do in a project.

`setup_routes` wraps the handler of every endpoint marked `authenticated` with `authenticated()`:
the wrapper resolves the caller before the handler runs, answers 401 when it cannot, and puts
the user on the request under `USER`. Handlers read `request[USER]`; none checks credentials.

The seam for other ways of signing in: the app holds an ordered tuple of `Authenticator`s under
`AUTHENTICATORS` (today only `bearer_token`: personal API tokens in `Authorization: Bearer`;
cookies are ignored). Each authenticator looks only at its own credential and

- returns `None` when the request does not carry that credential (the next one is tried),
- raises `Unauthorized` when it carries one that is wrong (unknown, revoked, expired),
- returns the `CurrentUser` when it is right.

Every token carries scopes (`read`, `triage`, `admin`; docs/sign-in.md): the wrapper also
refuses, with 403 `insufficient_scope`, a caller whose token lacks the endpoint's
`required_scope`. A browser session would be one more authenticator (reading its cookie,
checking CSRF for unsafe methods) appended to `AUTHENTICATORS` in `create_app`; no view
changes. When no authenticator recognises a credential the answer is 401 `missing_token`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from railguard.server import security
from railguard.server.db import queries
from railguard.server.endpoints import Handler
from railguard.server.errors import Forbidden, NotFound, Unauthorized
from railguard.server.http import int_param
from railguard.server.keys import POOL
from railguard.server.roles import at_least


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    display_name: str
    token_id: int
    scopes: frozenset[str] = frozenset({"read", "triage", "admin"})


Authenticator = Callable[[web.Request], Awaitable[CurrentUser | None]]

USER = web.RequestKey("user", CurrentUser)
AUTHENTICATORS: web.AppKey[tuple[Authenticator, ...]] = web.AppKey("authenticators")


async def bearer_token(request: web.Request) -> CurrentUser | None:
    """A personal API token's user; 401 saying whether it is unknown, revoked or expired."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    if not security.token_looks_valid(token):
        raise Unauthorized("The token is not valid.", code="invalid_token", scheme="Bearer")
    digest = security.token_hash(token)
    pool = request.app[POOL]
    row = await queries.authenticate_token(pool, token_hash=digest)
    if row is None:
        state = await queries.token_state(pool, token_hash=digest)
        code = f"token_{state}" if state else "invalid_token"
        message = f"The token is {state}." if state else "The token is not valid."
        raise Unauthorized(message, code=code, scheme="Bearer")
    return CurrentUser(
        row["id"], row["email"], row["display_name"], row["token_id"], frozenset(row["scopes"])
    )


DEFAULT_AUTHENTICATORS: tuple[Authenticator, ...] = (bearer_token,)


async def resolve_user(request: web.Request) -> CurrentUser:
    """The caller by the first authenticator that recognises a credential, or 401."""
    for authenticate in request.app.get(AUTHENTICATORS, DEFAULT_AUTHENTICATORS):
        user = await authenticate(request)
        if user is not None:
            return user
    raise Unauthorized(
        "Send a personal API token as `Authorization: Bearer <token>`.",
        code="missing_token",
        scheme="Bearer",
    )


def authenticated(handler: Handler, scope: str = "admin") -> Handler:
    """`handler` reached only with a resolved user on `request[USER]` whose token has `scope`."""

    @functools.wraps(handler)
    async def with_user(request: web.Request) -> web.StreamResponse:
        user = await resolve_user(request)
        if scope not in user.scopes:
            raise Forbidden(
                f"This token may not do this: it needs the {scope!r} scope "
                f"and has {' '.join(sorted(user.scopes))}.",
                code="insufficient_scope",
            )
        request[USER] = user
        return await handler(request)

    return with_user


# Methods that change nothing: every role may use them. Any other method needs `member` or more
# unless the endpoint asks for a role explicitly.
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def needed_role(request: web.Request, role: str | None) -> str:
    return role or ("viewer" if request.method in _READS else "member")


def require_role(found: Membership | OrgMembership, needed: str) -> None:
    if not at_least(found.role, needed):
        raise Forbidden(f"This needs the {needed} role in the organisation.", code="forbidden")


@dataclass(frozen=True)
class Membership:
    """A project as the calling user sees it (the row carries their organisation `role`)."""

    project_id: int
    role: str
    row: dict[str, object]


@dataclass(frozen=True)
class OrgMembership:
    """An organisation as the calling user sees it, with their `role` in it."""

    organization_id: int
    role: str
    row: dict[str, object]


async def membership(request: web.Request, *, role: str | None = None) -> Membership:
    """The `{project_id}` project of the URL if the caller's organisation role allows the call.

    `role` is the weakest role allowed; by default any role may read and `member` may change.
    Another tenant's project is indistinguishable from none: 404 either way.
    """
    return await member_of(request, int_param(request, "project_id"), role=role)


async def member_of(
    request: web.Request, project_id: int, *, role: str | None = None
) -> Membership:
    """Project `project_id` if the caller belongs to its organisation (404 otherwise) with a role
    of at least `role` (403 otherwise; the default as in `membership`)."""
    user = request[USER]
    row = await queries.get_project(request.app[POOL], project_id=project_id, user_id=user.id)
    if row is None:
        raise NotFound("No such project.")
    found = Membership(project_id, row["role"], dict(row))
    require_role(found, needed_role(request, role))
    return found


async def org_membership(
    request: web.Request, *, role: str | None = None, organization_id: int | None = None
) -> OrgMembership:
    """The `{organization_id}` organisation of the URL (or `organization_id`), as `membership`
    does for projects."""
    if organization_id is None:
        organization_id = int_param(request, "organization_id")
    row = await queries.get_organization(
        request.app[POOL], organization_id=organization_id, user_id=request[USER].id
    )
    if row is None:
        raise NotFound("No such organisation.")
    found = OrgMembership(organization_id, row["role"], dict(row))
    require_role(found, needed_role(request, role))
    return found
