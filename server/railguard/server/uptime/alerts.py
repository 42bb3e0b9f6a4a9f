"""The alert seam of uptime: down, recovered and certificate-expiring events are recorded as
`uptime_alerts` rows in the transaction that changed the monitor, so an event exists exactly
when its change committed; a dispatcher (the alert channels) delivers and stamps them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from railguard.server.db import Executor, queries

AlertKind = Literal["monitor_down", "monitor_recovered", "cert_expiring"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def record_uptime_alert(
    conn: Executor,
    *,
    kind: AlertKind,
    monitor: Any,
    outage: Any | None = None,
    cert_expires_at: datetime | None = None,
) -> None:
    """Record one event; call it inside the transaction that made the change."""
    payload: dict[str, Any] = {
        "monitor": {"id": monitor["id"], "name": monitor["name"], "kind": monitor["kind"]},
    }
    if outage is not None:
        payload["outage"] = {
            "id": outage["id"],
            "started_at": _iso(outage["started_at"]),
            "resolved_at": _iso(outage["resolved_at"]),
            "time_to_resolve": outage["time_to_resolve"],
            "first_error": outage["first_error"],
        }
    if cert_expires_at is not None:
        payload["cert_expires_at"] = _iso(cert_expires_at)
    await queries.record_uptime_alert(
        conn, project_id=monitor["project_id"], monitor_id=monitor["id"],
        outage_id=outage["id"] if outage is not None else None, kind=kind, payload=payload,
    )  # fmt: skip
