"""DEVELOPMENT AID ONLY — an in-memory stand-in for the Railguard backend's HTTP API.

Not the end-to-end test's final backend: the real e2e must run against the real aiohttp backend
on real PostgreSQL (fixture to be provided by the backend engineer). This stand-in serves just
what the language server calls, with the `railguard.wire` models, so the LSP could be developed
while the backend is being built. Tests using it are marked `standin`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from railguard.wire.models import Frame, Incident, IncidentChange, Project, User

TOKEN = "rgp_standin_token"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class StandinState:
    repository: str
    projects: list[Project] = field(default_factory=list)
    incidents: dict[int, Incident] = field(default_factory=dict)
    changes: list[IncidentChange] = field(default_factory=list)
    actions: list[tuple[int, str, str | None]] = field(default_factory=list)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""
    closing: bool = False

    def close(self) -> None:
        """End every live stream, so that the test server stops at once."""
        self.closing = True
        self.wakeup.set()

    def add(self, incident: Incident, kind: str = "new") -> Incident:
        seq = len(self.changes) + 1
        incident = incident.model_copy(update={"change_seq": seq, "change_kind": kind})
        self.incidents[incident.id] = incident
        self.changes.append(
            IncidentChange.model_validate({"seq": seq, "kind": kind, "incident": incident})
        )
        self.wakeup.set()
        self.wakeup = asyncio.Event()
        return incident


def make_incident(
    incident_id: int,
    *,
    path: str,
    line: int,
    commit: str | None,
    context_line: str | None = None,
    level: str = "error",
    project_id: int = 1,
    stack: list[Frame] | None = None,
) -> Incident:
    top = Frame(
        path=path,
        original_path=f"/srv/app/{path}",
        function="divide",
        line=line,
        in_app=True,
        context_line=context_line,
    )
    return Incident.model_validate(
        {
            "id": incident_id,
            "project_id": project_id,
            "status": "open",
            "level": level,
            "error_type": "ZeroDivisionError",
            "message": "division by zero",
            "title": "ZeroDivisionError: division by zero",
            "fingerprint": f"fp{incident_id}",
            "grouping_version": 1,
            "event_count": 3,
            "first_seen": NOW,
            "last_seen": NOW,
            "environments": ["production"],
            "first_commit": commit,
            "latest_commit": commit,
            "top_frame": top,
            "stack": stack if stack is not None else [top],
            "change_seq": 0,
            "change_kind": "new",
            "url": f"http://railguard.example/incidents/{incident_id}",
        }
    )


def _json(model: Any) -> web.Response:
    if isinstance(model, list):
        body = [m.model_dump(mode="json") for m in model]
        return web.json_response(body)
    return web.json_response(model.model_dump(mode="json"))


def create_app(state: StandinState) -> web.Application:
    @web.middleware
    async def auth(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response(
                {"error": {"code": "unauthorized", "message": "bad token", "details": None}},
                status=401,
            )
        return await handler(request)

    async def me(request: web.Request) -> web.Response:
        return _json(User(id=1, email="dev@example.com", display_name="Dev", created_at=NOW))

    async def projects(request: web.Request) -> web.Response:
        return _json(state.projects)

    async def incidents(request: web.Request) -> web.Response:
        wanted = request.query.get("status", "").split(",")
        items = [i for i in state.incidents.values() if not wanted[0] or i.status in wanted]
        return web.json_response(
            {"items": [i.model_dump(mode="json") for i in items], "next_cursor": None}
        )

    async def incident(request: web.Request) -> web.Response:
        found = state.incidents.get(int(request.match_info["id"]))
        if found is None:
            raise web.HTTPNotFound()
        return _json(found)

    async def act(request: web.Request) -> web.Response:
        incident_id, action = int(request.match_info["id"]), request.match_info["action"]
        body = await request.json()
        state.actions.append((incident_id, action, body.get("commit")))
        status = {
            "resolve": "resolved",
            "acknowledge": "acknowledged",
            "ignore": "ignored",
            "reopen": "open",
        }[action]
        kind = {
            "resolve": "resolved",
            "acknowledge": "acknowledged",
            "ignore": "ignored",
            "reopen": "reopened",
        }[action]
        updated = state.incidents[incident_id].model_copy(update={"status": status})
        return _json(state.add(updated, kind))

    async def live(request: web.Request) -> web.StreamResponse:
        since = int(request.query.get("since") or request.headers.get("Last-Event-ID") or 0)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(
            f"event: ready\ndata: {json.dumps({'seq': len(state.changes)})}\n\n".encode()
        )
        sent = since
        while not state.closing:
            for change in state.changes[sent:]:
                data = change.model_dump_json()
                await resp.write(f"event: change\nid: {change.seq}\ndata: {data}\n\n".encode())
                sent = change.seq
            try:
                await asyncio.wait_for(state.wakeup.wait(), 15)
            except TimeoutError:
                await resp.write(b": ping\n\n")
        return resp

    app = web.Application(middlewares=[auth])
    app.router.add_get("/api/v1/me", me)
    app.router.add_get("/api/v1/projects", projects)
    app.router.add_get("/api/v1/projects/{pid}/incidents", incidents)
    app.router.add_get("/api/v1/projects/{pid}/live", live)
    app.router.add_get("/api/v1/incidents/{id}", incident)
    app.router.add_post("/api/v1/incidents/{id}/{action}", act)
    return app


def project(repository: str, project_id: int = 1) -> Project:
    return Project(
        id=project_id,
        name="shop",
        repository=repository,
        role="owner",
        created_at=NOW,
        updated_at=NOW,
    )
