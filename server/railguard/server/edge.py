"""Middlewares at the edge of every request: security headers, a body read deadline, and
refusal of query values the database cannot hold.

- Every HTML response gets a CSP without `unsafe-inline` (`frame-ancestors 'none'`), and
  `X-Frame-Options: DENY`; every response gets `X-Content-Type-Options: nosniff` and
  `Referrer-Policy: no-referrer`. Pages load their scripts and styles from `/static/`.
- A request body must arrive whole within `body_read_timeout` seconds of the request starting:
  a slow or stalled client gets 408 and the connection is closed, instead of holding a
  connection and its buffers for as long as it likes. The deadline is on receiving the body
  (the transport reached its end), not on the handler, so long work after it is unaffected.
- A NUL character anywhere in the query (`%00`) is a 400: PostgreSQL text cannot hold it.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Middleware

from railguard.server.endpoints import Handler
from railguard.server.errors import BadRequest
from railguard.server.http_errors import error_response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
_HTML = {**_ALWAYS, "Content-Security-Policy": CSP, "X-Frame-Options": "DENY"}


def _is_html(response: web.StreamResponse) -> bool:
    return response.content_type in ("text/html", "application/xhtml+xml")


async def _prepare_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare` runs for every response, streams and aiohttp's own errors too."""
    for name, value in (_HTML if _is_html(response) else _ALWAYS).items():
        response.headers.setdefault(name, value)


def install(app: web.Application) -> None:
    app.on_response_prepare.append(_prepare_headers)


def body_deadline(timeout: float) -> Middleware:
    """The middleware that answers 408 to a body not received within `timeout` seconds."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists:
            return await handler(request)
        task = asyncio.current_task()
        assert task is not None
        expired = False

        def expire() -> None:
            nonlocal expired
            if not request.content.is_eof():
                expired = True
                task.cancel()

        timer = asyncio.get_running_loop().call_later(timeout, expire)
        try:
            return await handler(request)
        except asyncio.CancelledError:
            if not expired or task.uncancel() > 0:
                raise
            response = error_response(
                408, "request_timeout", f"The request body did not arrive within {timeout:g} s."
            )
            response.force_close()
            # Sent and closed here: otherwise aiohttp lingers to drain the rest of the body.
            await response.prepare(request)
            await response.write_eof()
            if request.transport is not None:
                request.transport.close()
            return response
        finally:
            timer.cancel()

    return middleware


@web.middleware
async def query_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if any("\x00" in k or "\x00" in v for k, v in request.query.items()):
        raise BadRequest("Query values cannot contain NUL characters.", code="invalid_query")
    return await handler(request)
