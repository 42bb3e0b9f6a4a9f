"""Triage by people: assigning an incident to a project member, comments, and the history of
status changes and assignments. Every call checks the person can see the incident (else 404)."""

from __future__ import annotations

import asyncpg

from railguard.server import incidents, roles
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Invalid, NotFound
from railguard.wire import models as w


async def visible_incident(db: Executor, *, user_id: int, incident_id: int) -> asyncpg.Record:
    row = await queries.get_incident_for_user(db, user_id=user_id, incident_id=incident_id)
    if row is None:
        raise NotFound("No such incident.")
    return row


async def assign(
    pool: asyncpg.Pool, *, user_id: int, incident_id: int, assignee_id: int | None
) -> w.Assignment:
    """Assign to a member of the incident's project, or unassign with None."""
    async with pool.acquire() as conn, conn.transaction():
        await roles.require_incident_role(conn, user_id=user_id, incident_id=incident_id)
        row = await queries.set_assignee(conn, incident_id=incident_id, assignee_id=assignee_id)
        if row is None:
            raise Invalid(
                "The assignee must be a member of the incident's project.",
                details=[{"loc": ["assignee_id"], "msg": "not a member", "type": "value_error"}],
            )
        await queries.record_activity(
            conn, incident_id=incident_id, actor_id=user_id,
            kind="assigned" if assignee_id else "unassigned",
            detail=str(assignee_id) if assignee_id else "",
        )  # fmt: skip
    return w.Assignment(incident_id=incident_id, assignee_id=assignee_id)


async def add_comment(db: Executor, *, user_id: int, incident_id: int, body: str) -> w.Comment:
    await roles.require_incident_role(db, user_id=user_id, incident_id=incident_id)
    await queries.add_comment(db, incident_id=incident_id, author_id=user_id, body=body)
    return (await list_comments(db, user_id=user_id, incident_id=incident_id))[-1]


async def list_comments(db: Executor, *, user_id: int, incident_id: int) -> list[w.Comment]:
    await visible_incident(db, user_id=user_id, incident_id=incident_id)
    rows = await fetch_all(queries.list_comments(db, incident_id=incident_id))
    return [w.Comment.model_validate(dict(r)) for r in rows]


async def list_activity(db: Executor, *, user_id: int, incident_id: int) -> list[w.Activity]:
    await visible_incident(db, user_id=user_id, incident_id=incident_id)
    rows = await fetch_all(queries.list_activity(db, incident_id=incident_id))
    return [w.Activity.model_validate(dict(r)) for r in rows]


async def bulk_change_status(
    pool: asyncpg.Pool,
    *,
    user_id: int,
    incident_ids: list[int],
    action: incidents.Action,
    public_base: str,
) -> list[w.Incident]:
    """One action on many incidents. Every id is checked first: one the person cannot see is a
    404 and nothing changes. Each change is then numbered and announced like a single one."""
    ids = sorted(set(incident_ids))
    for incident_id in ids:
        await visible_incident(pool, user_id=user_id, incident_id=incident_id)
    await roles.refuse_incident_viewers(pool, user_id=user_id, incident_ids=ids)
    return [
        await incidents.change_status(
            pool,
            user_id=user_id,
            incident_id=incident_id,
            action=action,
            commit=None,
            public_base=public_base,
        )  # fmt: skip
        for incident_id in ids
    ]
