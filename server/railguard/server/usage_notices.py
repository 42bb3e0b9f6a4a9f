"""Telling an organisation's owners and admins that it used 80 % and then 100 % of its monthly
event quota: once per threshold and month across every server (claimed in `usage`), by email
through the SMTP settings of the alert channels, and as an entry in the audit log."""

from __future__ import annotations

import logging

import asyncpg

from railguard.server import audit
from railguard.server.db import fetch_all, queries
from railguard.server.notices import send_notice
from railguard.server.pipeline.quota import OnThreshold
from railguard.server.settings import Settings

log = logging.getLogger(__name__)


def message(name: str, percent: int, used: int, quota: int, url: str) -> tuple[str, str]:
    """Subject and text of the notice."""
    if percent >= 100:
        subject = f"[Railguard] {name} used its monthly event quota"
        what = "New events are refused (429) until the month ends or the quota is raised."
    else:
        subject = f"[Railguard] {name} used {percent}% of its monthly event quota"
        what = "Events are still accepted; at 100% they are refused until the month ends."
    text = f"{name} stored {used} of {quota} events this month.\n{what}\nUsage: {url}\n"
    return subject, text


def announcer(pool: asyncpg.Pool, settings: Settings) -> OnThreshold:
    async def announce(organization_id: int, percent: int, used: int, quota: int) -> None:
        try:
            async with pool.acquire() as conn, conn.transaction():
                if not await queries.claim_usage_notice(
                    conn, organization_id=organization_id, percent=percent
                ):
                    return
                await audit.record(conn, organization_id=organization_id, actor_id=None,
                                   action="quota.reached", target="events",
                                   detail={"percent": percent, "used": used,
                                           "quota": quota})  # fmt: skip
                name = await queries.organization_name(conn, organization_id=organization_id)
                emails = [r["email"] for r in await fetch_all(
                    queries.org_admin_emails(conn, organization_id=organization_id))]  # fmt: skip
            url = f"{settings.public_base}/organizations/{organization_id}"
            subject, text = message(name, percent, used, quota, url)
            for email in emails:
                await send_notice(settings, recipient=email, subject=subject, text=text)
        except Exception:  # a notice must never disturb ingest
            log.warning("usage notice for organisation %s failed", organization_id, exc_info=True)

    return announce
