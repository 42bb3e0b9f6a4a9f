"""Incidents: rows to wire models, listing with cursors, and status changes by people."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, Literal

import asyncpg
import orjson

from railguard.server import audit, roles
from railguard.server.ancestry import fix_state
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import BadRequest, NotFound
from railguard.wire import models as w

Action = Literal["resolve", "acknowledge", "ignore", "reopen"]
#: `full`: every frame as stored. `editor`: what a language server keeps of a listed incident:
#: the crash frame whole, other in-app frames without pre/post context, library frames without
#: any context (an editor fetches `GET /incidents/{id}` for a full hover).
View = Literal["full", "editor"]
VIEWS: tuple[View, ...] = ("full", "editor")
_ACTION_STATUS: dict[str, tuple[str, str]] = {
    "resolve": ("resolved", "resolved"),
    "acknowledge": ("acknowledged", "acknowledged"),
    "ignore": ("ignored", "ignored"),
    "reopen": ("open", "reopened"),
}


def title_of(error_type: str, message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    if error_type and first:
        text = f"{error_type}: {first}"
    else:
        text = error_type or first or "(no message)"
    return text if len(text) <= 200 else text[:199] + "…"


def _same_frame(a: dict[str, Any], b: dict[str, Any] | None) -> bool:
    keys = ("path", "line", "function")
    return b is not None and all(a.get(k) == b.get(k) for k in keys)


def editor_stack(stack: list[dict[str, Any]], top: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The stack for `view=editor` (see `View`)."""
    crash = next(
        (i for i in range(len(stack) - 1, -1, -1) if _same_frame(stack[i], top)),
        next(
            (i for i in range(len(stack) - 1, -1, -1)
             if stack[i].get("in_app") and stack[i].get("line") is not None),
            None,
        ),
    )  # fmt: skip
    out = []
    for i, frame in enumerate(stack):
        if i != crash and isinstance(frame, dict):
            frame = {**frame, "pre_context": [], "post_context": []}
            if not frame.get("in_app"):
                frame["context_line"] = None
        out.append(frame)
    return out


def incident_model(row: Any, public_base: str, view: View = "full") -> w.Incident:
    data = dict(row)
    data["stack"] = data.pop("latest_stack", None) or []
    if view == "editor":
        data["stack"] = editor_stack(data["stack"], data.get("top_frame"))
    data["title"] = title_of(data["error_type"], data["message"])
    data["url"] = f"{public_base}/incidents/{data['id']}"
    data["fix"] = fix_state(
        status=data["status"], fix=data.get("resolved_commit"),
        deployed_in=data.get("fix_deployed_commit"),
        ancestry_unknown=bool(data.get("fix_ancestry_unknown")),
    )  # fmt: skip
    data["hidden"] = data.get("merged_into") is not None or data.get("deleted_at") is not None
    return w.Incident.model_validate(data)


def encode_cursor(last_seen: datetime, incident_id: int) -> str:
    raw = orjson.dumps([last_seen.isoformat(), incident_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def in_utc(when: datetime, name: str) -> datetime:
    """`when` in UTC; a time that only exists outside years 1-9999 once in UTC is a 400."""
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise BadRequest(f"{name} is out of range.", code=f"invalid_{name}") from None


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        seen, incident_id = orjson.loads(raw)
        when, ident = datetime.fromisoformat(seen), int(incident_id)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadRequest("The cursor is not valid.", code="invalid_cursor") from exc
    # Only a forged cursor gets here with these; the database would refuse them (a 500).
    if when.tzinfo is None or not 0 <= ident < 2**63:
        raise BadRequest("The cursor is not valid.", code="invalid_cursor")
    return in_utc(when, "cursor"), ident


async def list_incidents(
    db: Executor,
    *,
    project_id: int,
    public_base: str,
    statuses: list[str] | None,
    path: str | None,
    environment: str | None,
    since: datetime | None,
    cursor: str | None,
    limit: int,
    view: View = "full",
    awaiting_deploy: bool = False,
) -> w.IncidentPage:
    cursor_seen, cursor_id = decode_cursor(cursor) if cursor else (None, None)
    rows = await fetch_all(
        queries.list_incidents(
            db, project_id=project_id, statuses=statuses, path=path, environment=environment,
            since=since, cursor_seen=cursor_seen, cursor_id=cursor_id, limit=limit + 1,
            awaiting_deploy=awaiting_deploy,
        )
    )  # fmt: skip
    items = [incident_model(r, public_base, view) for r in rows[:limit]]
    next_cursor = (
        encode_cursor(rows[limit - 1]["last_seen"], rows[limit - 1]["id"])
        if len(rows) > limit
        else None
    )
    return w.IncidentPage(items=items, next_cursor=next_cursor)


async def get_incident(
    db: Executor, *, user_id: int, incident_id: int, public_base: str, events: int = 10
) -> w.IncidentDetail:
    row = await queries.get_incident_for_user(db, user_id=user_id, incident_id=incident_id)
    if row is None:
        raise NotFound("No such incident.")
    recent = await fetch_all(queries.recent_events(db, incident_id=incident_id, limit=events))
    base = incident_model(row, public_base)
    return w.IncidentDetail(
        **base.model_dump(),
        recent_events=[
            w.IncidentEvent.model_validate({**dict(e), "event_id": e["event_id"].hex})
            for e in recent
        ],
    )


async def change_status(
    pool: asyncpg.Pool,
    *,
    user_id: int,
    incident_id: int,
    action: Action,
    commit: str | None,
    public_base: str,
    ancestors: list[str] | None = None,
) -> w.Incident:
    """Apply a person's action; the change is numbered and announced like any other. A resolve
    at a commit records the `ancestors` an editor sent and whether a known deploy already
    contains that commit (docs/releases.md)."""
    status, kind = _ACTION_STATUS[action]
    async with pool.acquire() as conn, conn.transaction():
        await roles.require_incident_role(conn, user_id=user_id, incident_id=incident_id)
        found = await queries.get_incident_for_user(conn, user_id=user_id, incident_id=incident_id)
        if found is None:
            raise NotFound("No such incident.")
        await queries.lock_change_feed(conn)
        fix = commit.lower() if commit else None
        if status == "resolved" and fix is not None:
            await queries.add_known_ancestors(
                conn, project_id=found["project_id"], commit_sha=fix,
                ancestors=sorted({a.lower() for a in ancestors or ()}),
            )  # fmt: skip
        row = await queries.set_incident_status(
            conn, incident_id=incident_id, status=status, change_kind=kind, user_id=user_id,
            commit=fix,
        )  # fmt: skip
        if status == "resolved" and fix is not None:
            shipped = await queries.deploy_containing(conn, project_id=found["project_id"], fix=fix)
            if shipped is not None:
                await queries.set_fix_deployed(conn, incident_id=incident_id, deploy_sha=shipped)
                row = {**dict(row), "fix_deployed_commit": shipped}
        await queries.record_activity(
            conn, incident_id=incident_id, actor_id=user_id, kind=kind, detail=commit or ""
        )
        await audit.record_for_project(
            conn, project_id=row["project_id"], actor_id=user_id, action=f"incident.{action}",
            target=f"incident:{incident_id}",
        )  # fmt: skip
        await queries.notify_changes(conn, seq=str(row["change_seq"]))
    return incident_model(row, public_base)
