"""Pages and forms of incident curation: merge and unmerge, delete, and the trash where
deleted projects and incidents wait 30 days to be restored (docs/WEB.md#trash)."""

from __future__ import annotations

from aiohttp import web

from railguard.server import merges, projects, trash
from railguard.server.errors import Invalid
from railguard.server.http import int_param
from railguard.server.keys import KEY_CACHE, POOL
from railguard.server.web import guard
from railguard.server.web.project_pages import member_project


def _ids(values: list[str]) -> list[int]:
    """Incident ids from ticked boxes and/or a typed list (`12, #14 15`)."""
    out: list[int] = []
    for value in values:
        for part in value.replace(",", " ").split():
            part = part.lstrip("#")
            if not (part.isascii() and part.isdigit() and 0 < len(part) < 19):
                raise Invalid(f"“{part[:20]}” is not an incident number.")
            out.append(int(part))
    if not out:
        raise Invalid("Choose at least one incident to merge into this one.")
    return out


async def merge(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    target = int_param(request, "incident_id")
    data = await guard.form(request, session)
    sources = _ids([str(v) for v in data.getall("incident", [])])
    await merges.merge(request.app[POOL], user_id=session.user_id, target_id=target,
                       source_ids=sources)  # fmt: skip
    raise guard.redirect(f"/incidents/{target}")


async def unmerge(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    incident_id = int_param(request, "incident_id")
    await guard.form(request, session)
    await merges.unmerge(request.app[POOL], user_id=session.user_id, incident_id=incident_id)
    raise guard.redirect(f"/incidents/{incident_id}")


async def delete_incident(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    incident_id = int_param(request, "incident_id")
    await guard.form(request, session)
    await trash.delete_incident(request.app[POOL], user_id=session.user_id,
                                incident_id=incident_id)  # fmt: skip
    raise guard.redirect("/trash")


async def restore_incident(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    incident_id = int_param(request, "incident_id")
    await guard.form(request, session)
    await trash.restore_incident(request.app[POOL], user_id=session.user_id,
                                 incident_id=incident_id)  # fmt: skip
    raise guard.redirect(f"/incidents/{incident_id}")


async def delete_project(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session, owner=True)
    await guard.form(request, session)
    await projects.delete_project(request.app[POOL], project["id"])
    request.app[KEY_CACHE].forget()  # its keys refuse events from now on
    raise guard.redirect("/trash")


async def restore_project(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project_id = int_param(request, "project_id")
    await guard.form(request, session)
    await trash.restore_project(request.app[POOL], user_id=session.user_id,
                                project_id=project_id)  # fmt: skip
    request.app[KEY_CACHE].forget()
    raise guard.redirect(f"/projects/{project_id}")


async def trash_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    items = await trash.list_trash(request.app[POOL], user_id=session.user_id)
    return guard.render(request, "trash.html", {"items": items, "keep_days": trash.KEEP_DAYS})


_I = r"/incidents/{incident_id:\d+}"
_P = r"/projects/{project_id:\d+}"
ROUTES = [
    ("POST", _I + "/merge", merge),
    ("POST", _I + "/unmerge", unmerge),
    ("POST", _I + "/delete", delete_incident),
    ("POST", _I + "/restore", restore_incident),
    ("POST", _P + "/delete", delete_project),
    ("POST", _P + "/restore", restore_project),
    ("GET", "/trash", trash_page),
]
