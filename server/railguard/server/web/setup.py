"""Wire the web app into an aiohttp application: templates, filters, page routes, static files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from railguard.server.web import (
    access_pages,
    account_pages,
    alert_pages,
    curation_pages,
    device_pages,
    guard,
    incident_lists,
    incident_page,
    monitor_pages,
    org_pages,
    performance_pages,
    project_pages,
    sso_pages,
    telemetry_pages,
)

_HERE = Path(__file__).parent


def _ago(value: object) -> str:
    if not isinstance(value, datetime):
        return ""
    seconds = int((datetime.now(UTC) - value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def setup_web(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # templates ship with the package; no stat() per render
    )
    env.filters["ago"] = _ago
    device_pages.setup(app)
    sso_pages.setup(app)
    access_pages.setup(app)
    page_modules = (
        account_pages, project_pages, incident_lists, incident_page, monitor_pages, alert_pages,
        performance_pages, telemetry_pages, org_pages, device_pages, sso_pages, access_pages,
        curation_pages,
    )  # fmt: skip
    for module in page_modules:
        for method, path, handler in module.ROUTES:
            app.router.add_route(method, path, guard.page(handler))
    app.router.add_static("/static/", _HERE / "static", name="static")
