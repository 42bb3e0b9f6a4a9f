"""Monitors, outages and statistics: the data-layer operations behind the API and the CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from railguard.server import roles
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Invalid, NotFound
from railguard.server.uptime import stats
from railguard.server.uptime.checks.ping import ping_problem
from railguard.wire import uptime as u

WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


def monitor_model(row: Any) -> u.Monitor:
    data = dict(row)
    data["check"] = data.pop("config")
    return u.Monitor.model_validate(data)


def outage_model(row: Any) -> u.Outage:
    return u.Outage.model_validate(dict(row))


def _refuse(field: str, message: str) -> Invalid:
    return Invalid(message, details=[{"loc": [field], "msg": message, "type": "value_error"}])


async def create_monitor(
    db: Executor, *, project_id: int, request: u.MonitorCreateRequest
) -> u.Monitor:
    """Create a monitor; a ping its checker cannot send is refused now, not failed later."""
    if request.agent_id is not None:
        agent = await queries.get_agent(db, agent_id=request.agent_id, project_id=project_id)
        if agent is None or agent["revoked_at"] is not None:
            raise _refuse("agent_id", "No such agent in this project.")
        if request.check.kind == "ping" and agent["can_ping"] is not True:
            raise _refuse(
                "check",
                "This agent has not reported that it can send ICMP echoes "
                "(start it first, as root or with net.ipv4.ping_group_range allowing its group).",
            )
    elif request.check.kind == "ping" and (problem := ping_problem()) is not None:
        raise _refuse("check", f"Ping monitors cannot run on this server: {problem}.")
    row = await queries.create_monitor(
        db, project_id=project_id, name=request.name, kind=request.check.kind,
        config=request.check.model_dump(mode="json"), interval_seconds=request.interval_seconds,
        timeout_seconds=request.timeout_seconds, retries=request.retries,
        enabled=request.enabled, agent_id=request.agent_id,
    )  # fmt: skip
    return monitor_model(row)


async def list_monitors(db: Executor, project_id: int) -> list[u.Monitor]:
    return [
        monitor_model(r) for r in await fetch_all(queries.list_monitors(db, project_id=project_id))
    ]


async def monitor_for_user(db: Executor, *, user_id: int, monitor_id: int) -> asyncpg.Record:
    row: asyncpg.Record | None = await queries.get_monitor_for_user(
        db, user_id=user_id, monitor_id=monitor_id
    )
    if row is None:
        raise NotFound("No such monitor.")
    return row


async def update_monitor(
    db: Executor, *, monitor: Any, request: u.MonitorUpdateRequest
) -> u.Monitor:
    interval = request.interval_seconds or monitor["interval_seconds"]
    timeout = request.timeout_seconds or monitor["timeout_seconds"]
    if request.interval_seconds is not None and request.timeout_seconds is None:
        timeout = min(timeout, interval)  # a shorter interval carries the timeout down with it
    if timeout > interval:
        raise _refuse("timeout_seconds", "timeout_seconds must not exceed interval_seconds.")
    row = await queries.update_monitor(
        db, monitor_id=monitor["id"], name=request.name, enabled=request.enabled,
        interval_seconds=request.interval_seconds, timeout_seconds=timeout,
        retries=request.retries,
    )  # fmt: skip
    return monitor_model(row)


async def delete_monitor(db: Executor, monitor_id: int) -> None:
    await queries.delete_monitor(db, monitor_id=monitor_id)


async def summary(db: Executor, project_id: int) -> u.MonitorSummary:
    row = await queries.monitor_summary(db, project_id=project_id)
    return u.MonitorSummary(project_id=project_id, **dict(row))


async def monitor_stats(
    db: Executor, monitor_id: int, *, only: tuple[str, ...] | None = None
) -> u.MonitorStats:
    """Uptime and latency percentiles per window (all of `WINDOWS`, or the ones in `only`)."""
    windows = []
    for name, span in WINDOWS.items():
        if only is not None and name not in only:
            continue
        counts = await queries.rollup_window(db, monitor_id=monitor_id, span=span)
        hists = await fetch_all(queries.rollup_histograms(db, monitor_id=monitor_id, span=span))
        merged = stats.merge(r["latency_hist"] for r in hists)
        windows.append(
            u.WindowStats(
                window=name,
                checks=counts["checks"],
                uptime_percent=stats.uptime_percent(counts["up"], counts["checks"]),
                latency_p50_ms=stats.percentile(merged, 50),
                latency_p95_ms=stats.percentile(merged, 95),
                latency_p99_ms=stats.percentile(merged, 99),
            )
        )
    return u.MonitorStats(monitor_id=monitor_id, windows=windows)


async def heartbeats(
    db: Executor, *, monitor_id: int, span: timedelta, limit: int
) -> list[u.Heartbeat]:
    rows = await fetch_all(
        queries.recent_heartbeats(db, monitor_id=monitor_id, span=span, limit=limit)
    )
    return [u.Heartbeat.model_validate(dict(r)) for r in rows]


async def list_outages(
    db: Executor, *, project_id: int, open_only: bool, monitor_id: int | None, limit: int
) -> list[u.Outage]:
    rows = await fetch_all(
        queries.list_outages(
            db, project_id=project_id, open_only=open_only, monitor_id=monitor_id, limit=limit
        )
    )
    return [outage_model(r) for r in rows]


async def acknowledge_outage(db: Executor, *, user_id: int, outage_id: int) -> u.Outage:
    await roles.require_outage_role(db, user_id=user_id, outage_id=outage_id)
    row = await queries.acknowledge_outage(db, user_id=user_id, outage_id=outage_id)
    if row is None:
        raise NotFound("No such outage.")
    return outage_model(row)
