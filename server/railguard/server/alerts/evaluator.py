"""Periodic alert jobs, each claimed in PostgreSQL so one server runs it per period: spike and
escalation rules (decided into the outbox like the writer's alerts) and daily digests."""

from __future__ import annotations

import logging

import asyncpg

from railguard.server.db import fetch_all, queries
from railguard.server.settings import Settings

log = logging.getLogger(__name__)


async def evaluate_rules(pool: asyncpg.Pool, settings: Settings) -> int | None:
    """Run spike and escalation rules if due; None when another server has the job."""
    async with pool.acquire() as conn, conn.transaction():
        claimed = await queries.claim_job(
            conn, name="evaluate", every_seconds=settings.alert_evaluate_seconds
        )
        if claimed is None:
            return None
        await queries.prune_alerts(conn)
        spikes: int = await queries.evaluate_spikes(conn)
        escalations: int = await queries.evaluate_escalations(conn)
        if spikes or escalations:
            await queries.notify_alerts(conn)
        return spikes + escalations


async def send_digests(pool: asyncpg.Pool, settings: Settings) -> int | None:
    """Gather each digest reader's held alerts into one digest delivery, once per period."""
    async with pool.acquire() as conn, conn.transaction():
        claimed = await queries.claim_job(
            conn, name="digest", every_seconds=min(60.0, settings.alert_evaluate_seconds)
        )
        if claimed is None:
            return None
        due = await fetch_all(
            queries.due_digests(conn, interval_seconds=settings.alert_digest_hours * 3600)
        )
        rows = []
        for d in due:
            ids = sorted(d["delivery_ids"])
            rows.append({
                "project_id": d["project_id"], "channel_id": d["channel_id"],
                "channel_kind": "email", "recipient": d["email"], "user_id": d["user_id"],
                "idempotency_key": f"rg-d{ids[0]}-u{d['user_id']}-p{d['project_id']}",
                "kind": "digest", "outbox_ids": sorted(d["outbox_ids"]),
                "incident_ids": sorted(d["incident_ids"]),
                "triggers": [], "status": "pending", "hold_seconds": 0,
            })  # fmt: skip
            await queries.close_digest(conn, ids=ids)
            await queries.stamp_digest(conn, user_id=d["user_id"], project_id=d["project_id"])
        if rows:
            await fetch_all(
                queries.insert_deliveries(
                    conn, rows=rows,
                    give_up_seconds=settings.alert_give_up_hours * 3600,
                )
            )  # fmt: skip
            await queries.notify_alerts(conn)
        return len(rows)
