"""The live feed for editors: Server-Sent Events of a project's incident changes.

`GET /api/v1/projects/{id}/live?since=<seq>` (or `Last-Event-ID`). The stream first replays
every change after `since` from the table, then says `ready` with the current seq, then follows
the hub. Each change is `id: <seq>` / `event: change` / `data: <IncidentChange>`.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from railguard.server import incidents
from railguard.server.auth import membership
from railguard.server.db import fetch_all, queries
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Invalid
from railguard.server.keys import LIVE, POOL, SETTINGS
from railguard.wire import models as w

HEARTBEAT_SECONDS = 15.0
_PAGE = 500


def _since(request: web.Request) -> int:
    raw = request.query.get("since") or request.headers.get("Last-Event-ID") or "0"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:  # "²".isdigit() is True
        raise Invalid("since must be a change sequence number.")
    return int(raw)


def _frame(row: dict[str, object], public_base: str) -> bytes:
    incident = incidents.incident_model(row, public_base)
    change = w.IncidentChange(seq=incident.change_seq, kind=incident.change_kind, incident=incident)
    return f"id: {change.seq}\nevent: change\ndata: {change.model_dump_json()}\n\n".encode()


async def live(request: web.Request) -> web.StreamResponse:
    project_id = (await membership(request)).project_id
    return await stream_changes(request, project_id)


async def stream_changes(request: web.Request, project_id: int) -> web.StreamResponse:
    """The stream itself, for a caller that has checked the project may be read."""
    cursor = _since(request)
    hub = request.app[LIVE]
    base = request.app[SETTINGS].public_base
    sub = hub.subscribe(project_id)  # before the catch-up read, so nothing falls in between
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    try:
        await response.prepare(request)
        while True:
            rows = await fetch_all(
                queries.project_changes_since(
                    request.app[POOL], project_id=project_id, since=cursor, limit=_PAGE
                )
            )
            for row in rows:
                await response.write(_frame(dict(row), base))
                cursor = row["change_seq"]
            if len(rows) < _PAGE:
                break
        await response.write(f'event: ready\ndata: {{"seq": {cursor}}}\n\n'.encode())
        while not sub.closed.is_set():
            try:
                change = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if change is None:
                break  # the server is shutting down
            if change["change_seq"] <= cursor:
                continue  # already sent during catch-up
            await response.write(_frame(change, base))
            cursor = change["change_seq"]
    except ConnectionResetError:
        return response
    finally:
        hub.unsubscribe(sub)
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


ENDPOINTS = [
    Endpoint("GET", "/api/v1/projects/{project_id}/live", live, "live",
             "Server-Sent Events of the project's incident changes, resumable by seq.",
             errors=(404, 422), content_type="text/event-stream",
             query=(QueryParam("since", "Replay changes after this seq (or Last-Event-ID).",
                               type="integer"),)),
]  # fmt: skip
