"""Soft delete: deleted projects and incidents wait in the trash for `KEEP_DAYS` days, can be
restored from there, and are then purged by the periodic maintenance (docs/WEB.md#trash).

A deleted incident is hidden from lists, search, the editor API and its own page; events for
its fingerprint are still stored on it (restoring brings them back with it). A deleted
project's ingest keys refuse events, and its incidents are hidden with it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import asyncpg

from railguard.server import incidents, roles, triage
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Conflict, NotFound
from railguard.wire import curation as wc

log = logging.getLogger(__name__)

KEEP_DAYS = 30
_KEEP = timedelta(days=KEEP_DAYS)
PURGE_BATCH = 100


async def delete_incident(pool: asyncpg.Pool, *, user_id: int, incident_id: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await triage.visible_incident(conn, user_id=user_id, incident_id=incident_id)
        await roles.require_incident_role(conn, user_id=user_id, incident_id=incident_id,
                                          role="admin")  # fmt: skip
        await queries.lock_change_feed(conn)
        row = await queries.trash_incident(conn, incident_id=incident_id, user_id=user_id)
        await queries.record_activity(conn, incident_id=incident_id, actor_id=user_id,
                                      kind="deleted", detail="")  # fmt: skip
        await queries.notify_changes(conn, seq=str(row["change_seq"]))


async def restore_incident(pool: asyncpg.Pool, *, user_id: int, incident_id: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await roles.require_incident_role(conn, user_id=user_id, incident_id=incident_id,
                                          role="admin")  # fmt: skip
        await queries.lock_change_feed(conn)
        row = await queries.restore_incident(conn, incident_id=incident_id, user_id=user_id)
        if row is None:
            raise NotFound("No such incident in your trash.")
        await queries.record_activity(conn, incident_id=incident_id, actor_id=user_id,
                                      kind="restored", detail="")  # fmt: skip
        await queries.notify_changes(conn, seq=str(row["change_seq"]))


async def restore_project(db: Executor, *, user_id: int, project_id: int) -> None:
    await roles.require_project_role_any(db, user_id=user_id, project_id=project_id)
    try:
        row = await queries.restore_project(db, project_id=project_id, user_id=user_id)
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(
            "Another live project has this repository now; delete or rename it first.",
            code="repository_taken",
        ) from exc
    if row is None:
        raise NotFound("No such project in your trash.")


async def list_trash(db: Executor, *, user_id: int, limit: int = 200) -> list[wc.TrashItem]:
    """Deleted projects the person owns and deleted incidents of their live projects."""
    items = [
        wc.TrashItem(kind="project", purge_after=r["deleted_at"] + _KEEP, **dict(r))
        for r in await fetch_all(queries.trashed_projects(db, user_id=user_id, limit=limit))
    ]
    for r in await fetch_all(queries.trashed_incidents(db, user_id=user_id, limit=limit)):
        items.append(wc.TrashItem(
            kind="incident", id=r["id"], project_id=r["project_id"],
            title=incidents.title_of(r["error_type"], r["message"]),
            deleted_at=r["deleted_at"], purge_after=r["deleted_at"] + _KEEP,
        ))  # fmt: skip
    return items


async def purge(conn: Executor, now: datetime) -> int:
    """Delete for good what has been in the trash longer than `KEEP_DAYS` (with its events).
    Returns how many projects and incidents went."""
    cutoff, gone = now - _KEEP, 0
    while ids := [r["id"] for r in await fetch_all(
            queries.purgeable_incidents(conn, cutoff=cutoff, batch=PURGE_BATCH))]:  # fmt: skip
        await queries.delete_incident_events(conn, ids=ids)
        await queries.delete_incidents(conn, ids=ids)
        gone += len(ids)
    while ids := [r["id"] for r in await fetch_all(
            queries.purgeable_projects(conn, cutoff=cutoff, batch=PURGE_BATCH))]:  # fmt: skip
        for project_id in ids:
            await queries.delete_project_events(conn, project_id=project_id)
            await queries.delete_project_receipts(conn, project_id=project_id)
            await queries.delete_project(conn, project_id=project_id)
        gone += len(ids)
    if gone:
        log.info("maintenance: %d deleted projects and incidents purged", gone)
    return gone
