"""`railguard alerts test --project N`: queue a test alert on the project's channels and send it
from this process right away, then print what each channel answered."""

from __future__ import annotations

import argparse
from typing import Any

import aiohttp
import asyncpg

from railguard.server.alerts import store
from railguard.server.alerts.deliver import deliver_once
from railguard.server.cli.output import CliError, emit, table
from railguard.server.db import fetch_all, queries
from railguard.server.settings import Settings


async def alerts_test(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    if not await queries.project_exists(pool, project_id=args.project):
        raise CliError(f"no project with id {args.project}")
    queued = await store.send_test(
        pool, settings, args.project, channel_id=args.channel, only_user=None
    )
    ids = [d.id for d in queued]
    timeout = aiohttp.ClientTimeout(total=settings.smtp_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # A running server may take some first; SKIP LOCKED keeps each sent once.
        await deliver_once(pool, settings, session, only_ids=ids)
    rows = [dict(r) for r in await fetch_all(queries.get_deliveries(pool, ids=ids))]
    data: list[dict[str, Any]] = [
        {
            "id": r["id"], "channel": r["channel_kind"], "recipient": r["recipient"],
            "status": "delivered" if r["status"] == "delivered" else
                      ("sent by server" if r["attempts"] == 0 else r["status"]),
            "error": r["last_error"] or "", "key": r["idempotency_key"],
        }
        for r in rows
    ]  # fmt: skip
    emit(data, as_json=args.json, text=table(data, ["channel", "recipient", "status", "error"]))
    if any(r["status"] != "delivered" and r["attempts"] > 0 for r in rows):
        raise CliError("some test alerts were not delivered (they will be retried)")


def add_alert_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    alerts = sub.add_parser("alerts", help="alert channels")
    action = alerts.add_subparsers(dest="action", required=True)
    p = action.add_parser("test", parents=[common], help="send a test alert on every channel")
    p.add_argument("--project", type=int, required=True)
    p.add_argument("--channel", type=int, default=None, help="only this channel id")
    p.set_defaults(admin=alerts_test)
