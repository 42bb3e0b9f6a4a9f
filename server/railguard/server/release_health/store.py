"""Release health storage and reads: an envelope's session items counted in one transaction;
per-release totals with crash-free rates, and a release's hourly series."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import BadRequest
from railguard.server.ingest.envelope import EnvelopeItem
from railguard.server.keys import POOL
from railguard.server.logs.writer import Discard
from railguard.server.release_health.counts import Tally, add_session, add_sessions, crash_free
from railguard.wire import telemetry as t


async def store_sessions(
    app: web.Application, project_id: int, items: list[EnvelopeItem], received_at: datetime
) -> list[Discard]:
    """Count `session` / `sessions` items; unreadable ones come back as discarded."""
    tally = Tally.empty()
    discards = []
    for item in items:
        try:
            (add_session if item.type == "session" else add_sessions)(
                tally, item.payload, received_at
            )
        except BadRequest:
            discards.append(Discard("server", item.type, "invalid", 1))
    if tally.buckets or tally.users:
        await write(app[POOL], project_id, tally, received_at)
    return discards


async def write(pool: Executor, project_id: int, tally: Tally, seen: datetime) -> None:
    keys = sorted(tally.buckets)  # a fixed order: concurrent upserts lock rows alike
    counts = [tally.buckets[k] for k in keys]
    async with pool.acquire() as conn, conn.transaction():  # type: ignore[union-attr]
        if keys:
            await queries.add_session_counts(
                conn, project_id=project_id, releases=[k[0] for k in keys],
                environments=[k[1] for k in keys], hours=[k[2] for k in keys],
                started=[c.started for c in counts], exited=[c.exited for c in counts],
                errored=[c.errored for c in counts], crashed=[c.crashed for c in counts],
                abnormal=[c.abnormal for c in counts],
            )  # fmt: skip
        if tally.users:
            users = tally.users
            await queries.add_session_users(
                conn, project_id=project_id, seen=seen, releases=[u.release for u in users],
                environments=[u.environment for u in users],
                distinct_ids=[u.distinct_id for u in users], crashed=[u.crashed for u in users],
                errored=[u.errored for u in users],
            )  # fmt: skip


async def releases(db: Executor, project_id: int, days: int, limit: int) -> list[t.ReleaseHealth]:
    rows = await fetch_all(
        queries.release_health(db, project_id=project_id, days=days, limit=limit)
    )
    out = []
    for r in rows:
        ended = r["exited"] + r["errored"] + r["crashed"] + r["abnormal"]
        out.append(
            t.ReleaseHealth(
                release=r["release"], environment=r["environment"], started=r["started"],
                exited=r["exited"], errored=r["errored"], crashed=r["crashed"],
                abnormal=r["abnormal"], users=r["users"], crashed_users=r["crashed_users"],
                crash_free_sessions=crash_free(max(r["started"], ended), r["crashed"]),
                crash_free_users=crash_free(r["users"], r["crashed_users"]),
                last_hour=r["last_hour"],
            )
        )  # fmt: skip
    return out


async def hours(db: Executor, project_id: int, release: str, days: int) -> list[t.SessionHour]:
    rows = await fetch_all(
        queries.release_health_hours(db, project_id=project_id, release=release, days=days)
    )
    return [t.SessionHour.model_validate(dict(r)) for r in rows]
