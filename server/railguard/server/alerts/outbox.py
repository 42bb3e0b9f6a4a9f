"""Turn decided alerts (outbox rows) into deliveries, once: the rows are claimed with
`FOR UPDATE SKIP LOCKED` and marked expanded in the same transaction that writes the deliveries.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from railguard.server.alerts.plan import Channel, Decided, Member, Planned, plan
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.settings import Settings

_CLAIM = 2000


async def load_channels(conn: Executor, project_ids: list[int]) -> list[Channel]:
    rows = await fetch_all(queries.project_channels(conn, project_ids=project_ids))
    return [
        Channel(r["id"], r["project_id"], r["kind"], r["name"], tuple(r["recipients"]))
        for r in rows
    ]


async def load_members(conn: Executor, project_ids: list[int]) -> list[Member]:
    rows = await fetch_all(queries.member_recipients(conn, project_ids=project_ids))
    return [
        Member(
            r["project_id"],
            r["user_id"],
            r["email"],
            r["enabled"],
            tuple(r["rule_kinds"]) if r["rule_kinds"] is not None else None,
            tuple(r["channels"]) if r["channels"] is not None else None,
            r["quiet"],
            r["digest"],
        )  # fmt: skip
        for r in rows
    ]


async def write_deliveries(conn: Executor, planned: list[Planned], settings: Settings) -> list[int]:
    """Insert planned deliveries; a summary joins a held one for the same recipient if any."""
    fresh: list[dict[str, Any]] = []
    for p in planned:
        if p.kind == "summary":
            open_id = await queries.open_summary(
                conn, channel_id=p.target.channel.id, recipient=p.target.recipient
            )
            if open_id is not None:
                row = p.row()
                await queries.extend_summary(
                    conn, id=open_id["id"], outbox_ids=row["outbox_ids"],
                    incident_ids=row["incident_ids"], triggers=row["triggers"],
                )  # fmt: skip
                continue
        fresh.append(p.row())
    if not fresh:
        return []
    rows = await fetch_all(
        queries.insert_deliveries(
            conn, rows=fresh, give_up_seconds=settings.alert_give_up_hours * 3600
        )
    )
    return [r["id"] for r in rows]


async def expand_once(pool: asyncpg.Pool, settings: Settings) -> int:
    """Expand one batch of the outbox; the number of outbox rows handled."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await fetch_all(queries.claim_outbox(conn, limit=_CLAIM))
        if not rows:
            return 0
        items = [
            Decided(r["id"], r["project_id"], r["incident_id"], r["trigger"],
                    tuple(r["channel_ids"] or ()))
            for r in rows if r["live"]
        ]  # fmt: skip
        await queries.mark_expanded(conn, ids=[r["id"] for r in rows])
        uptime_ids = [
            int(r["detail"]["uptime_alert_id"])
            for r in rows
            if r["detail"] and "uptime_alert_id" in r["detail"]
        ]
        if uptime_ids:
            await queries.stamp_uptime_alerts(conn, ids=uptime_ids)
        if not items:
            return len(rows)
        project_ids = sorted({i.project_id for i in items})
        channels = await load_channels(conn, project_ids)
        members = await load_members(conn, project_ids)
        recent_rows = await fetch_all(
            queries.recent_alert_counts(
                conn, channel_ids=[c.id for c in channels],
                window_seconds=settings.alert_burst_window_seconds,
            )
        )  # fmt: skip
        recent = {(r["channel_id"], r["recipient"].lower()): r["n"] for r in recent_rows}
        planned = plan(
            items, channels, members, recent,
            burst_limit=settings.alert_burst_limit, burst_hold=settings.alert_burst_hold_seconds,
        )  # fmt: skip
        await write_deliveries(conn, planned, settings)
        return len(rows)
