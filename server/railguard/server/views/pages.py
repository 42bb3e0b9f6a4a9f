"""The page an incident link opens: a static page that reads the incident through the API.

It holds no data itself; the browser sends the person's token (kept in local storage) to
`/api/v1/incidents/{id}`, so the page shows only what that person may see.
"""

from __future__ import annotations

from importlib.resources import files

from aiohttp import web

from railguard.server.endpoints import Endpoint

STATIC = files("railguard.server").joinpath("static")
_PAGE = STATIC.joinpath("incident.html").read_bytes()


async def incident_page(request: web.Request) -> web.Response:
    # Security headers (CSP without inline code, no framing) are added for every HTML
    # response by `railguard.server.edge`; the script and styles are in `static/`.
    return web.Response(body=_PAGE, content_type="text/html")


ENDPOINTS = [
    Endpoint("GET", r"/incidents/{incident_id:\d+}", incident_page, "incident_page",
             "The incident's page for people (reads the API with their token).",
             authenticated=False, content_type="text/html"),
]  # fmt: skip
