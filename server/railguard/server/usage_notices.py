"""Telling an organisation that it used 80 % and then 100 % of its monthly event quota: once per
threshold and month across every server (claimed in `usage`): by email to its owners and admins
through the SMTP settings of the alert channels, on the enabled webhook channels (generic, Slack,
Discord, Teams) of its projects through the alert webhook sender, and in the audit log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
import orjson

from railguard.server import audit
from railguard.server.alerts.channels import DeliveryError, webhook
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


def hook_payload(
    kind: str, text: str, *, organization_id: int, name: str, percent: int, used: int, quota: int
) -> dict[str, Any]:
    """The body for one webhook channel kind; the generic one carries the facts as fields."""
    if kind == "slack":
        return {"text": text}
    if kind == "discord":
        return {"content": text[:2000]}
    if kind == "teams":
        return {"@type": "MessageCard", "@context": "https://schema.org/extensions",
                "summary": text.splitlines()[0], "text": text}  # fmt: skip
    return {"type": "usage", "organization_id": organization_id, "organization": name,
            "percent": percent, "used": used, "quota": quota, "text": text}  # fmt: skip


async def _post_hooks(hooks: list[asyncpg.Record], key: str, text: str, **facts: Any) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for hook in hooks:
            body = orjson.dumps(hook_payload(hook["kind"], text, **facts))
            try:
                await webhook.send(session, hook["url"], body, key, hook["secret"])
            except DeliveryError as exc:
                log.warning("usage notice webhook not delivered: %s", exc)


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
                hooks = await fetch_all(
                    queries.org_hook_channels(conn, organization_id=organization_id)
                )
            url = f"{settings.public_base}/organizations/{organization_id}"
            subject, text = message(name, percent, used, quota, url)
            for email in emails:
                await send_notice(settings, recipient=email, subject=subject, text=text)
            month = datetime.now(UTC).strftime("%Y%m")
            await _post_hooks(hooks, f"usage-{organization_id}-{month}-{percent}", text,
                              organization_id=organization_id, name=name, percent=percent,
                              used=used, quota=quota)  # fmt: skip
        except Exception:  # a notice must never disturb ingest
            log.warning("usage notice for organisation %s failed", organization_id, exc_info=True)

    return announce
