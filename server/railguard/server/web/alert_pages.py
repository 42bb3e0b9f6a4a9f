"""The alert delivery log of a project for people: what was sent to whom, when, over which
channel, with its status, attempts, next retry and last error; and the button that sends a test
alert (member email only to the person asking, as the API's test does)."""

from __future__ import annotations

from aiohttp import web

from railguard.server.alerts import store
from railguard.server.errors import Invalid
from railguard.server.keys import POOL, SETTINGS
from railguard.server.web import guard
from railguard.server.web.project_pages import member_project

STATUSES = ("pending", "held", "delivered", "failed", "digested")
PAGE = 50


def _before(request: web.Request) -> int | None:
    raw = request.query.get("before", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        raise Invalid("before must be a delivery id.")
    return int(raw)


async def delivery_log(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    status = request.query.get("status", "")
    if status and status not in STATUSES:
        raise Invalid(f"status must be one of {', '.join(STATUSES)}.")
    page = await store.list_deliveries(
        request.app[POOL], project["id"], status=status or None, before=_before(request),
        limit=PAGE,
    )  # fmt: skip
    sent = request.query.get("sent", "")
    return guard.render(
        request, "alert_deliveries.html",
        {"project": project, "page": page, "status": status, "statuses": STATUSES,
         "sent": int(sent) if sent.isascii() and sent.isdigit() and len(sent) < 6 else None},
    )  # fmt: skip


async def send_test(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    await guard.form(request, session)
    queued = await store.send_test(
        request.app[POOL], request.app[SETTINGS], project["id"], channel_id=None,
        only_user=session.user_id,
    )  # fmt: skip
    raise guard.redirect(f"/projects/{project['id']}/alerts?sent={len(queued)}")


ROUTES = [
    ("GET", r"/projects/{project_id:\d+}/alerts", delivery_log),
    ("POST", r"/projects/{project_id:\d+}/alerts/test", send_test),
]
