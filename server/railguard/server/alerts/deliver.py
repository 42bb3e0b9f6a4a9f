"""Send due deliveries: claim them (row locks held for the attempt), render, send, record.

Each claimed row stays locked until its outcome is committed, so no other dispatcher sends it
meanwhile; if this process dies mid-attempt its connection drops, the locks go, and the next
dispatcher sends it again with the same idempotency key. A failure is retried with exponential
backoff and jitter until `give_up_at`, then the delivery is `failed` with its last error.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import orjson

from railguard.server.alerts import render
from railguard.server.alerts.channels import DeliveryError, email, webhook
from railguard.server.alerts.plan import retry_delay
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.incidents import title_of
from railguard.server.settings import Settings

log = logging.getLogger(__name__)

_CLAIM = 20
_LISTED = 20

# Its own generator: retries must not draw from (or disturb) the process-wide `random` state.
_JITTER = random.Random()


def _iso(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


async def _facts(
    conn: Executor, rows: list[asyncpg.Record], base: str
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    incident_ids = sorted({i for r in rows for i in r["incident_ids"][:_LISTED]})
    outbox_ids = sorted({i for r in rows for i in r["outbox_ids"][:_LISTED]})
    incidents = {
        r["id"]: dict(r) for r in await fetch_all(queries.incidents_by_id(conn, ids=incident_ids))
    }
    outbox = {
        r["id"]: dict(r) for r in await fetch_all(queries.outbox_details(conn, ids=outbox_ids))
    }
    return incidents, outbox


def build_alert(
    row: asyncpg.Record | dict[str, Any],
    incidents: dict[int, dict[str, Any]],
    outbox: dict[int, dict[str, Any]],
    base: str,
) -> render.Alert:
    """The facts a message tells, from the delivery row and the incidents as they are now."""
    default_trigger = (row["triggers"] or ["new"])[0]
    facts = []
    for iid in row["incident_ids"][:_LISTED]:
        inc = incidents.get(iid)
        if inc is None:  # deleted since: the message still counts it
            continue
        trigger, detail = _trigger_for(iid, row, outbox, default_trigger)
        facts.append(
            render.IncidentFacts(
                id=iid,
                title=title_of(inc["error_type"], inc["message"]),
                level=inc["level"],
                status=inc["status"],
                event_count=inc["event_count"],
                environments=list(inc["environments"]),
                first_seen=_iso(inc["first_seen"]),
                last_seen=_iso(inc["last_seen"]),
                frames=render.frame_lines(inc["latest_stack"], inc["top_frame"]),
                url=f"{base}/incidents/{iid}",
                editor_url=render.editor_url(
                    row["repository"], iid, inc["frame_path"], inc["frame_line"]
                ),
                trigger=trigger,
                detail=detail,
            )
        )
    monitors = [
        monitor_facts(outbox[oid], base)
        for oid in row["outbox_ids"][:_LISTED]
        if oid in outbox and outbox[oid]["trigger"] in render.UPTIME_TRIGGERS
    ]
    return render.Alert(
        kind=row["kind"],
        project=row["project_name"],
        repository=row["repository"],
        idempotency_key=row["idempotency_key"],
        incidents=facts,
        total=max(len(row["incident_ids"]), len(facts)) + len(monitors),
        project_url=f"{base}/api/v1/projects/{row['project_id']}/incidents",
        monitors=monitors,
    )


def monitor_facts(decided: dict[str, Any], base: str) -> render.MonitorFacts:
    """An uptime event as its decision recorded it (the monitor may have changed since)."""
    detail = decided["detail"] or {}
    monitor = detail.get("monitor") or {}
    outage = detail.get("outage") or {}
    return render.MonitorFacts(
        id=int(monitor.get("id", 0)),
        name=str(monitor.get("name", "?")),
        check=str(monitor.get("kind", "?")),
        trigger=decided["trigger"],
        url=f"{base}/monitors/{monitor.get('id', 0)}",
        started_at=outage.get("started_at"),
        resolved_at=outage.get("resolved_at"),
        time_to_resolve=outage.get("time_to_resolve"),
        error=outage.get("first_error"),
        cert_expires_at=detail.get("cert_expires_at"),
    )


def _trigger_for(
    incident_id: int,
    row: asyncpg.Record | dict[str, Any],
    outbox: dict[int, dict[str, Any]],
    default: str,
) -> tuple[str, dict[str, Any]]:
    for oid in row["outbox_ids"]:
        o = outbox.get(oid)
        if o is not None and o.get("incident_id") == incident_id:
            return o["trigger"], o["detail"] or {}
    return default, {}


async def send_one(
    row: asyncpg.Record | dict[str, Any],
    alert: render.Alert,
    settings: Settings,
    session: aiohttp.ClientSession,
) -> None:
    kind = row["channel_kind"]
    if kind == "email":
        domain = urlsplit(settings.public_base).hostname or "railguard.local"
        msg = email.build_message(
            sender=settings.smtp_from, recipient=row["recipient"], subject=render.subject(alert),
            text=render.text_body(alert), html=render.html_body(alert),
            idempotency_key=alert.idempotency_key, domain=domain,
        )  # fmt: skip
        await email.send(settings, msg)
        return
    if row["url"] is None:
        raise DeliveryError("the channel was deleted", permanent=True)
    body = orjson.dumps(render.webhook_payload(kind, alert))
    await webhook.send(session, row["url"], body, alert.idempotency_key, row["secret"])


async def deliver_once(
    pool: asyncpg.Pool,
    settings: Settings,
    session: aiohttp.ClientSession,
    only_ids: list[int] | None = None,
) -> int:
    """Attempt one batch of due deliveries; the number attempted."""
    base = settings.public_base
    async with pool.acquire() as conn, conn.transaction():
        rows = await fetch_all(queries.claim_due_deliveries(conn, only_ids=only_ids, limit=_CLAIM))
        if not rows:
            return 0
        incidents, outbox = await _facts(conn, rows, base)
        alerts = [build_alert(r, incidents, outbox, base) for r in rows]
        outcomes = await asyncio.gather(
            *(_attempt(r, a, settings, session) for r, a in zip(rows, alerts, strict=True))
        )
        for row, alert, (error, final) in zip(rows, alerts, outcomes, strict=True):
            delay = retry_delay(
                row["attempts"] + 1, base=settings.alert_retry_base_seconds,
                cap=settings.alert_retry_cap_seconds, jitter=_JITTER.random(),
            )  # fmt: skip
            await queries.record_attempt(
                conn, id=row["id"], ok=error is None, error=error, retry_in=delay,
                final=final, subject=render.subject(alert),
            )  # fmt: skip
        return len(rows)


async def _attempt(
    row: asyncpg.Record, alert: render.Alert, settings: Settings, session: aiohttp.ClientSession
) -> tuple[str | None, bool]:
    """(None, _) when delivered, else the reason for the delivery log and whether it is final."""
    try:
        await asyncio.wait_for(
            send_one(row, alert, settings, session), settings.smtp_timeout_seconds + 5
        )
    except DeliveryError as exc:
        log.info("delivery %s failed: %s", row["idempotency_key"], exc)
        return str(exc), exc.permanent
    except TimeoutError:
        return "timed out", False
    except Exception as exc:  # noqa: BLE001 - a bug in one delivery must not stop the others
        log.exception("delivery %s failed unexpectedly", row["idempotency_key"])
        return f"internal error: {type(exc).__name__}", False
    return None, False
