"""Sign-in with email and password, sign-out, and the page listing one's sessions to revoke.

The sign-in form has no session yet, so its CSRF token is a double-submit: a random value in a
cookie of its own and in the form, which another site can neither read nor set.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from railguard.server import accounts, audit
from railguard.server.errors import DomainError
from railguard.server.http import int_param
from railguard.server.http_errors import status_of
from railguard.server.keys import HASHER, POOL, SETTINGS
from railguard.server.views.accounts import client_address
from railguard.server.web import guard, sessions


def login_form(
    request: web.Request, *, error: str = "", email: str = "", status: int = 200
) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = guard.render(
        request, "login.html",
        {"login_csrf": token, "error": error, "email": email,
         "next": guard.safe_next(request.query.get("next")),
         "providers": request.app[SETTINGS].sso_providers},
        status=status,
    )  # fmt: skip
    response.set_cookie(
        guard.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Lax",
        secure=guard.is_secure(request), path="/login", max_age=3600,
    )  # fmt: skip
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    if await guard.current(request) is not None:
        raise guard.redirect(guard.safe_next(request.query.get("next")))
    return login_form(request)


async def login_submit(request: web.Request) -> web.StreamResponse:
    data = await request.post()
    guard.check_csrf(request.cookies.get(guard.LOGIN_CSRF_COOKIE, ""), data)
    email, password = str(data.get("email", "")).strip(), str(data.get("password", ""))
    if "\x00" in email:  # never stored, so no account has it
        return login_form(request, error="Wrong email or password.", status=401)
    settings = request.app[SETTINGS]
    try:
        user = await accounts.check_password(
            request.app[POOL], request.app[HASHER], email=email, password=password,
            address=client_address(request),
            max_per_pair=settings.login_failures_per_address_account_per_hour,
            max_per_address=settings.login_failures_per_address_per_hour,
        )  # fmt: skip
    except DomainError as exc:
        return login_form(request, error=exc.message, email=email, status=status_of(exc))
    secret, expires_at = await sessions.start(
        request.app[POOL], user_id=user["id"], method="password",
        user_agent=request.headers.get("User-Agent", ""), address=client_address(request),
    )  # fmt: skip
    await audit.record_for_user(request.app[POOL], actor_id=user["id"], action="session.create",
                                detail={"method": "password"},
                                address=client_address(request))  # fmt: skip
    response = guard.redirect(guard.safe_next(str(data.get("next", ""))))
    response.set_cookie(
        guard.COOKIE, secret, httponly=True, samesite="Lax", secure=guard.is_secure(request),
        path="/", expires=expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    )  # fmt: skip
    response.del_cookie(guard.LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    await guard.form(request, session)
    await sessions.revoke(request.app[POOL], user_id=session.user_id, session_id=session.id)
    response = guard.redirect("/login")
    response.del_cookie(guard.COOKIE, path="/")
    raise response


async def sessions_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    rows = await sessions.list_sessions(request.app[POOL], session.user_id)
    return guard.render(request, "sessions.html", {"sessions": rows, "current_id": session.id})


async def revoke_session(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    await guard.form(request, session)
    target = int_param(request, "session_id")
    await sessions.revoke(request.app[POOL], user_id=session.user_id, session_id=target)
    if target == session.id:
        response = guard.redirect("/login")
        response.del_cookie(guard.COOKIE, path="/")
        raise response
    raise guard.redirect("/account/sessions")


ROUTES = [
    ("GET", "/login", login_page),
    ("POST", "/login", login_submit),
    ("POST", "/logout", logout),
    ("GET", "/account/sessions", sessions_page),
    ("POST", r"/account/sessions/{session_id:\d+}/revoke", revoke_session),
]
