"""The page an incident link opens: a static page that reads the incident through the API.

It holds no data itself; the browser sends the person's token (kept in local storage) to
`/api/v1/incidents/{id}`, so the page shows only what that person may see.
"""

from __future__ import annotations

from importlib.resources import files

from aiohttp import web

from railguard.server.endpoints import Endpoint

_PAGE = files("railguard.server").joinpath("static/incident.html").read_bytes()
_MONITOR_PAGE = files("railguard.server").joinpath("static/monitor.html").read_bytes()


async def incident_page(request: web.Request) -> web.Response:
    return _html(_PAGE)


async def monitor_page(request: web.Request) -> web.Response:
    """An uptime monitor: state, heartbeat chart, statistics, outages (acknowledge)."""
    return _html(_MONITOR_PAGE)


def _html(page: bytes) -> web.Response:
    return web.Response(
        body=page,
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


ENDPOINTS = [
    Endpoint("GET", r"/incidents/{incident_id:\d+}", incident_page, "incident_page",
             "The incident's page for people (reads the API with their token).",
             authenticated=False, content_type="text/html"),
    Endpoint("GET", r"/monitors/{monitor_id:\d+}", monitor_page, "monitor_page",
             "An uptime monitor's page for people (reads the API with their token).",
             authenticated=False, content_type="text/html"),
]  # fmt: skip
