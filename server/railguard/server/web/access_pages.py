"""The public "request access" form and the administrators' page that decides requests.

The form has no session, so like the sign-in form its CSRF token is a double-submit cookie;
each address may send a handful of requests an hour (`ASKS_PER_HOUR`). Every request gets
the same page back, whether or not the address is known.
"""

from __future__ import annotations

import secrets

from aiohttp import web
from cachetools import TTLCache

from railguard.server import access_requests
from railguard.server.errors import DomainError, Invalid, TooManyRequests
from railguard.server.http import int_param
from railguard.server.http_errors import status_of
from railguard.server.keys import POOL
from railguard.server.views.accounts import client_address
from railguard.server.web import guard

CSRF_COOKIE = "rg_access_csrf"
ASKS_PER_HOUR = 5
_ASKS: web.AppKey[TTLCache[str, int]] = web.AppKey("access_request_asks")


def setup(app: web.Application) -> None:
    app[_ASKS] = TTLCache(maxsize=100_000, ttl=3600)


def _form(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    token = secrets.token_urlsafe(32)
    response = guard.render(
        request, "request_access.html", {"form_csrf": token, "error": error, "sent": False},
        status=status,
    )  # fmt: skip
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="Lax", secure=guard.is_secure(request),
        path="/request-access", max_age=3600,
    )  # fmt: skip
    return response


async def request_page(request: web.Request) -> web.StreamResponse:
    return _form(request)


async def request_submit(request: web.Request) -> web.StreamResponse:
    data = await request.post()
    guard.check_csrf(request.cookies.get(CSRF_COOKIE, ""), data)
    asks, address = request.app[_ASKS], client_address(request)
    try:
        if asks.get(address, 0) >= ASKS_PER_HOUR:
            raise TooManyRequests("Too many requests from here; try again in an hour.",
                                  code="access_request_rate_limited", retry_after=3600)  # fmt: skip
        asks[address] = asks.get(address, 0) + 1
        fields = {k: str(data.get(k, "")) for k in ("email", "name", "reason")}
        if any("\x00" in v for v in fields.values()):
            raise Invalid("The form holds a NUL character.")
        await access_requests.ask(request.app[POOL], **fields)
    except DomainError as exc:
        return _form(request, error=exc.message, status=status_of(exc))
    response = guard.render(request, "request_access.html", {"sent": True, "error": ""})
    response.del_cookie(CSRF_COOKIE, path="/request-access")
    return response


async def admin_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    await access_requests.require_admin(request.app[POOL], session.user_id)
    rows = await access_requests.pending_and_recent(request.app[POOL])
    return guard.render(request, "access_requests.html", {"requests": rows})


async def admin_decide(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    data = await guard.form(request, session)
    await access_requests.require_admin(request.app[POOL], session.user_id)
    await access_requests.decide(
        request.app[POOL], request_id=int_param(request, "request_id"), user_id=session.user_id,
        approve=data.get("decision") == "approve",
    )  # fmt: skip
    raise guard.redirect("/admin/access-requests")


ROUTES = [
    ("GET", "/request-access", request_page),
    ("POST", "/request-access", request_submit),
    ("GET", "/admin/access-requests", admin_page),
    ("POST", r"/admin/access-requests/{request_id:\d+}", admin_decide),
]
