"""The device sign-in page and the account's token list.

`/device` is where a signed-in person types (or confirms) the user code a device shows, sees
which device asks and for what, and approves or denies it. Wrong codes are limited per person
(`GUESSES` in a quarter of an hour), so the code space cannot be walked from one account.
`/account/tokens` lists the person's tokens, device tokens with their device, and revokes them.
"""

from __future__ import annotations

from aiohttp import web
from cachetools import TTLCache

from railguard.server import accounts, device, signin_audit
from railguard.server.errors import NotFound, TooManyRequests
from railguard.server.http import int_param
from railguard.server.keys import POOL
from railguard.server.web import guard

GUESSES = 10
GUESS_WINDOW_S = 900
_MISSES: web.AppKey[TTLCache[int, int]] = web.AppKey("device_code_misses")


def setup(app: web.Application) -> None:
    app[_MISSES] = TTLCache(maxsize=100_000, ttl=GUESS_WINDOW_S)


def _check_guesses(request: web.Request, user_id: int) -> None:
    if request.app[_MISSES].get(user_id, 0) >= GUESSES:
        raise TooManyRequests(
            "Too many wrong codes; wait a quarter of an hour and try again.",
            code="user_code_rate_limited", retry_after=GUESS_WINDOW_S,
        )  # fmt: skip


async def _lookup(request: web.Request, user_id: int, typed: str) -> device.Pending:
    _check_guesses(request, user_id)
    try:
        return await device.pending(request.app[POOL], typed)
    except NotFound:
        misses = request.app[_MISSES]
        misses[user_id] = misses.get(user_id, 0) + 1
        raise


def _entry(
    request: web.Request, *, typed: str = "", error: str = "", status: int = 200
) -> web.Response:
    return guard.render(request, "device.html", {"step": "enter", "typed": typed, "error": error},
                        status=status)  # fmt: skip


def _confirm(request: web.Request, found: device.Pending) -> web.Response:
    return guard.render(request, "device.html", {
        "step": "confirm", "code": device.display_user_code(found.user_code),
        "device_name": found.device_name, "scopes": found.scopes, "error": "",
    })  # fmt: skip


async def device_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    typed = request.query.get("user_code", "")
    if not typed:
        return _entry(request)
    try:
        return _confirm(request, await _lookup(request, session.user_id, typed))
    except NotFound as exc:
        return _entry(request, typed=typed[:20], error=exc.message, status=404)


async def device_submit(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    data = await guard.form(request, session)
    typed = str(data.get("user_code", ""))
    try:
        return _confirm(request, await _lookup(request, session.user_id, typed))
    except NotFound as exc:
        return _entry(request, typed=typed[:20], error=exc.message, status=404)


async def device_decide(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    data = await guard.form(request, session)
    approve = data.get("decision") == "approve"
    decided = await device.decide(
        request.app[POOL], user_code=str(data.get("user_code", "")), user_id=session.user_id,
        approve=approve,
    )  # fmt: skip
    return guard.render(request, "device.html", {
        "step": "approved" if approve else "denied", "device_name": decided.device_name,
        "scopes": decided.scopes, "error": "",
    })  # fmt: skip


async def tokens_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    tokens = await accounts.list_tokens(request.app[POOL], session.user_id)
    return guard.render(request, "tokens.html", {"tokens": list(reversed(tokens))})


async def revoke_token(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    await guard.form(request, session)
    token_id = int_param(request, "token_id")
    await accounts.revoke_token(request.app[POOL], user_id=session.user_id, token_id=token_id)
    await signin_audit.record(
        request.app[POOL], "token_revoked", user_id=session.user_id, token_id=token_id
    )
    raise guard.redirect("/account/tokens")


ROUTES = [
    ("GET", "/device", device_page),
    ("POST", "/device", device_submit),
    ("POST", "/device/decide", device_decide),
    ("GET", "/account/tokens", tokens_page),
    ("POST", r"/account/tokens/{token_id:\d+}/revoke", revoke_token),
]
