"""Merging incidents a person judges to be one problem, and undoing it (docs/WEB.md#merge).

A merged incident keeps its own row, fingerprint and events; it is hidden from lists behind its
target (`incidents.merged_into`), whose counts, first/last seen and environments include it and
whose event pages show its events. New events for its fingerprint keep landing on its own row
and are also counted on the target (the event writer folds them). Unmerging gives the target
back its own numbers (`incident_merges` remembers them) and shows the incident again.
"""

from __future__ import annotations

import asyncpg

from railguard.server import roles, triage
from railguard.server.db import fetch_all, queries
from railguard.server.errors import Conflict, Invalid, NotFound
from railguard.wire import curation as wc

MAX_SOURCES = 100


async def merge(
    pool: asyncpg.Pool, *, user_id: int, target_id: int, source_ids: list[int]
) -> list[int]:
    """Merge `source_ids` into `target_id`, all or none; returns the sources merged.

    Every id must be an incident the person can see (else 404, nothing changes), of the same
    project, neither deleted nor already merged; a source may not have incidents merged into it
    (unmerge those first, or merge into it instead): a merge is one level deep, so that undoing
    one gives back exactly what it took."""
    sources = sorted(set(source_ids) - {target_id})
    if not sources:
        raise Invalid("Choose at least one other incident to merge into this one.")
    if len(sources) > MAX_SOURCES:
        raise Invalid(f"At most {MAX_SOURCES} incidents can be merged at once.")
    async with pool.acquire() as conn, conn.transaction():
        for incident_id in [target_id, *sources]:
            await triage.visible_incident(conn, user_id=user_id, incident_id=incident_id)
        await roles.require_incident_role(conn, user_id=user_id, incident_id=target_id)
        await queries.lock_change_feed(conn)
        await queries.lock_incidents(conn, ids=[target_id, *sources])
        state = {r["id"]: r for r in await fetch_all(
            queries.merge_state(conn, ids=[target_id, *sources]))}  # fmt: skip
        target = state[target_id]
        if target["merged_into"] is not None:
            raise Conflict(
                f"Incident {target_id} is merged into {target['merged_into']}; merge into that.",
                code="target_merged",
            )
        for sid in sources:
            s = state[sid]
            if s["project_id"] != target["project_id"]:
                raise Invalid("Only incidents of the same project can be merged.")
            if s["merged_into"] is not None:
                raise Conflict(f"Incident {sid} is already merged into {s['merged_into']}.",
                               code="already_merged")  # fmt: skip
            if s["is_target"]:
                raise Conflict(
                    f"Incidents are merged into {sid}; unmerge them first or merge into {sid}.",
                    code="source_is_target",
                )
        await queries.merge_into(conn, source_ids=sources, target_id=target_id, user_id=user_id)
        await queries.recount_users(conn, ids=[target_id])
        for sid in sources:
            await queries.record_activity(conn, incident_id=sid, actor_id=user_id,
                                          kind="merged", detail=str(target_id))  # fmt: skip
            await queries.record_activity(conn, incident_id=target_id, actor_id=user_id,
                                          kind="merged_in", detail=str(sid))  # fmt: skip
        seq = await queries.max_change_seq(conn)
        await queries.notify_changes(conn, seq=str(seq))
    return sources


async def unmerge(pool: asyncpg.Pool, *, user_id: int, incident_id: int) -> int:
    """Show a merged incident on its own again; returns its former target's id."""
    async with pool.acquire() as conn, conn.transaction():
        row = await triage.visible_incident(conn, user_id=user_id, incident_id=incident_id)
        await roles.require_incident_role(conn, user_id=user_id, incident_id=incident_id)
        if row["merged_into"] is None:
            raise Conflict(f"Incident {incident_id} is not merged.", code="not_merged")
        await queries.lock_change_feed(conn)
        await queries.lock_incidents(conn, ids=[incident_id, row["merged_into"]])
        target_id = await queries.unmerge(conn, source_id=incident_id)
        if target_id is None:  # pragma: no cover - the lock makes this a race lost to another
            raise NotFound("No such merge.")
        target_id = target_id["id"]
        await queries.recount_users(conn, ids=[incident_id, target_id])
        await queries.record_activity(conn, incident_id=incident_id, actor_id=user_id,
                                      kind="unmerged", detail=str(target_id))  # fmt: skip
        await queries.record_activity(conn, incident_id=target_id, actor_id=user_id,
                                      kind="unmerged_out", detail=str(incident_id))  # fmt: skip
        seq = await queries.max_change_seq(conn)
        await queries.notify_changes(conn, seq=str(seq))
    return int(target_id)


async def merged_sources(pool: asyncpg.Pool, *, user_id: int, incident_id: int) -> list[wc.Merged]:
    await triage.visible_incident(pool, user_id=user_id, incident_id=incident_id)
    rows = await fetch_all(queries.merged_sources(pool, incident_id=incident_id))
    return [wc.Merged.model_validate(dict(r)) for r in rows]
