"""The OAuth endpoints of the device authorization grant: device codes and the token endpoint.

Parameters arrive form-encoded and errors leave in OAuth's shape (`{"error": ...}`, 400), not
the API's, because OAuth clients (editor extensions, `railguard login`) parse them that way.
"""

from __future__ import annotations

from aiohttp import web

from railguard.server import device
from railguard.server.endpoints import Endpoint
from railguard.server.errors import Invalid, TooManyRequests
from railguard.server.http import json_response
from railguard.server.keys import POOL, SETTINGS
from railguard.server.views.accounts import client_address
from railguard.wire.device import GRANT_TYPE, DeviceCode, DeviceToken, OAuthError

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(error: str, description: str, *, interval: int | None = None) -> web.Response:
    response = json_response(
        OAuthError(error=error, error_description=description, interval=interval), status=400
    )
    response.headers.update(_NO_STORE)
    return response


async def _form(request: web.Request) -> dict[str, str] | None:
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    data = await request.post()
    return {k: v for k, v in data.items() if isinstance(v, str) and "\x00" not in v}


async def device_code(request: web.Request) -> web.Response:
    form = await _form(request)
    if form is None:
        return _oauth_error("invalid_request", "Send form-encoded parameters.")
    try:
        scopes = device.parse_scopes(form.get("scope"))
    except Invalid as exc:
        return _oauth_error("invalid_scope", exc.message)
    settings = request.app[SETTINGS]
    name = form.get("device_name") or form.get("client_id") or "unnamed device"
    try:
        started = await device.start(
            request.app[POOL], device_name=name, scopes=scopes,
            lifetime=settings.device_code_lifetime_s, interval=settings.device_poll_interval_s,
            address=client_address(request),
        )  # fmt: skip
    except TooManyRequests as exc:
        response = _oauth_error("slow_down", exc.message)
        response.set_status(429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    page = settings.public_base + "/device"
    shown = device.display_user_code(started.user_code)
    body = DeviceCode(
        device_code=started.device_code, user_code=shown, verification_uri=page,
        verification_uri_complete=f"{page}?user_code={shown}",
        expires_in=started.expires_in, interval=started.interval,
    )  # fmt: skip
    response = json_response(body)
    response.headers.update(_NO_STORE)
    return response


_DESCRIPTIONS = {
    "authorization_pending": "Waiting for the person to approve on the web page.",
    "slow_down": "Polled too often; wait the new interval.",
    "expired_token": "The codes expired; start again.",
    "access_denied": "The person denied this device.",
    "invalid_grant": "Unknown or already used device code.",
}


async def token(request: web.Request) -> web.Response:
    form = await _form(request)
    if form is None:
        return _oauth_error("invalid_request", "Send form-encoded parameters.")
    if form.get("grant_type") != GRANT_TYPE:
        return _oauth_error("unsupported_grant_type", f"Only {GRANT_TYPE} is served here.")
    polled = await device.poll(request.app[POOL], form.get("device_code", ""))
    if polled.error is not None or polled.token is None:
        error = polled.error or "invalid_grant"
        return _oauth_error(error, _DESCRIPTIONS[error], interval=polled.interval or None)
    body = DeviceToken(
        access_token=polled.token.token, scope=" ".join(polled.token.scopes),
        token_id=polled.token.id,
    )  # fmt: skip
    response = json_response(body)
    response.headers.update(_NO_STORE)
    return response


ENDPOINTS = [
    Endpoint("POST", "/oauth/device/code", device_code, "device_code",
             "Start a device sign-in (RFC 8628): form parameters `client_id`, `scope` "
             "(default `read triage`), `device_name`.",
             response=DeviceCode, authenticated=False, errors=(400, 429), error_model=OAuthError),
    Endpoint("POST", "/oauth/token", token, "oauth_token",
             "Poll for the device's token: form parameters `grant_type` "
             f"(`{GRANT_TYPE}`) and `device_code`; OAuth errors answer 400.",
             response=DeviceToken, authenticated=False, errors=(400,), error_model=OAuthError),
]  # fmt: skip
