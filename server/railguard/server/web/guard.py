"""What every page needs: the signed-in person, CSRF checks on forms, safe rendering.

Pages answer in HTML, never the API's JSON errors: `page` turns a domain error into an error
page with the same status. A request without a live session is sent to the sign-in page (GET)
or refused (POST). Every form carries the session's CSRF token in `csrf_token`.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from railguard.server.endpoints import Handler
from railguard.server.errors import DomainError, Forbidden, Invalid
from railguard.server.http_errors import status_of
from railguard.server.keys import POOL, SETTINGS
from railguard.server.web import sessions
from railguard.server.web.sessions import WebSession

COOKIE = "rg_session"
LOGIN_CSRF_COOKIE = "rg_login_csrf"
# Security headers (CSP, frame, referrer, nosniff) come from `edge` for every HTML response;
# a page of someone's incidents is also never cached.
_HEADERS = {"Cache-Control": "no-store"}
_SESSION: web.RequestKey[WebSession | None] = web.RequestKey("web_session")


def is_secure(request: web.Request) -> bool:
    """Cookies get `Secure` when the browser reached us over HTTPS (directly or via a proxy
    whose public URL is https)."""
    return request.secure or request.app[SETTINGS].public_base.lower().startswith("https:")


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything that could leave the site is `/`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def current(request: web.Request) -> WebSession | None:
    if _SESSION not in request:
        secret = request.cookies.get(COOKIE, "")
        request[_SESSION] = await sessions.lookup(request.app[POOL], secret) if secret else None
    found: WebSession | None = request[_SESSION]
    return found


async def require(request: web.Request) -> WebSession:
    """The signed-in person; otherwise a GET goes to sign in and comes back, a POST is 403."""
    session = await current(request)
    if session is not None:
        return session
    if request.method == "GET":
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe=""))
    raise Forbidden("Your session has ended; sign in again.", code="no_session")


def check_csrf(expected: str, form: MultiDictProxy[Any]) -> None:
    given = form.get("csrf_token")
    if not isinstance(given, str) or not secrets.compare_digest(given, expected):
        raise Forbidden(
            "The form was stale or not sent from this site; go back, reload and try again.",
            code="csrf_failed",
        )


async def form(request: web.Request, session: WebSession) -> MultiDictProxy[Any]:
    """The posted form of a signed-in person, after its CSRF token is checked."""
    data = await request.post()
    check_csrf(session.csrf_token, data)
    if any(isinstance(v, str) and "\x00" in v for v in data.values()):
        raise Invalid("The form holds a NUL character, which cannot be stored.")
    return data


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    session: WebSession | None = request.get(_SESSION)
    full = {"session": session, "csrf_token": session.csrf_token if session else "", **context}
    response = aiohttp_jinja2.render_template(template, request, full, status=status)
    response.headers.update(_HEADERS)
    return response


def redirect(location: str) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(location, headers={"Cache-Control": "no-store"})


def page(handler: Handler) -> Handler:
    """Render domain errors (404 for another tenant's ids, 403, 422...) as an HTML page."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DomainError as exc:
            return render(
                request, "error.html", {"status": status_of(exc), "message": exc.message},
                status=status_of(exc),
            )  # fmt: skip

    return wrapped
