"""Recording a check result: heartbeat, hourly rollup, monitor state, outage and alerts, all in
one transaction on the locked monitor row (so results for one monitor apply one at a time)."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from railguard.server.db import queries
from railguard.server.uptime import state, stats
from railguard.server.uptime.alerts import record_uptime_alert
from railguard.server.uptime.checks import CheckResult


def histogram_of(result: CheckResult) -> list[int]:
    """The rollup increment: latencies of successful checks only (a timeout is not a speed)."""
    hist = [0] * stats.BUCKETS
    if result.ok and result.latency_ms is not None:
        hist[stats.bucket_of(result.latency_ms)] = 1
    return hist


def cert_needs_alert(
    expires: datetime | None, alerted_for: datetime | None, warn_days: int, now: datetime
) -> bool:
    return (
        expires is not None
        and warn_days > 0
        and expires - now <= timedelta(days=warn_days)
        and alerted_for != expires
    )


async def apply_result(
    pool: asyncpg.Pool,
    *,
    monitor_id: int,
    result: CheckResult,
    checked_at: datetime,
    due_at: datetime | None = None,
    agent_id: int | None = None,
) -> bool:
    """Record one result; False when the monitor no longer exists (or is not the agent's)."""
    async with pool.acquire() as conn, conn.transaction():
        monitor = await queries.lock_monitor(conn, monitor_id=monitor_id)
        if monitor is None or monitor["agent_id"] != agent_id:
            return False
        await queries.insert_heartbeat(
            conn, monitor_id=monitor_id, checked_at=checked_at, due_at=due_at, ok=result.ok,
            latency_ms=result.latency_ms, error=result.error, agent_id=agent_id,
        )  # fmt: skip
        await queries.add_to_rollup(
            conn, monitor_id=monitor_id, checked_at=checked_at, up=int(result.ok),
            hist=histogram_of(result),
        )  # fmt: skip
        move = state.step(
            ok=result.ok,
            consecutive_failures=monitor["consecutive_failures"],
            retries=monitor["retries"],
            outage_open=monitor["open_outage_id"] is not None,
        )
        warn_days = int(monitor["config"].get("cert_expiry_days", 0))
        cert_alert = cert_needs_alert(
            result.cert_expires_at, monitor["cert_alerted_for"], warn_days, checked_at
        )
        await queries.set_monitor_result(
            conn, monitor_id=monitor_id, state=move.state, ok=result.ok,
            consecutive_failures=move.consecutive_failures, checked_at=checked_at,
            error=result.error, latency_ms=result.latency_ms,
            cert_expires_at=result.cert_expires_at,
            cert_alerted_for=result.cert_expires_at if cert_alert else None,
        )  # fmt: skip
        if move.open_outage:
            outage = await queries.open_outage(
                conn, project_id=monitor["project_id"], monitor_id=monitor_id,
                started_at=monitor["failing_since"] or checked_at, first_error=result.error,
            )  # fmt: skip
            if outage is not None:
                await record_uptime_alert(conn, kind="monitor_down", monitor=monitor, outage=outage)
        if move.resolve_outage:
            outage = await queries.resolve_outage(
                conn, monitor_id=monitor_id, resolved_at=checked_at
            )
            if outage is not None:
                await record_uptime_alert(
                    conn, kind="monitor_recovered", monitor=monitor, outage=outage
                )
        if cert_alert:
            await record_uptime_alert(
                conn, kind="cert_expiring", monitor=monitor,
                cert_expires_at=result.cert_expires_at,
            )  # fmt: skip
    return True
