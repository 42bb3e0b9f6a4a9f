"""The built-in agent: every server process claims the server's monitors in PostgreSQL, runs
them, records results; with the housekeeping beside it. Started and stopped with the app."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from railguard.server.db import fetch_all, queries
from railguard.server.settings import Settings
from railguard.server.uptime.checks import CheckResult
from railguard.server.uptime.maintenance import Maintenance
from railguard.server.uptime.results import apply_result
from railguard.server.uptime.scheduler import Job, Scheduler
from railguard.wire import uptime as u


async def claim_jobs(
    pool: asyncpg.Pool, *, agent_id: int | None, lookahead: float, limit: int
) -> list[Job]:
    """Claim the monitors of an agent (None: the built-in one) due within `lookahead`."""
    rows = await fetch_all(
        queries.claim_due_monitors(pool, agent_id=agent_id, lookahead=lookahead, limit=limit)
    )
    return [
        Job(r["id"], r["due_at"], r["timeout_seconds"], u.CHECK.validate_python(r["config"]))
        for r in rows
    ]


class BuiltinAgent:
    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self._pool = pool

        async def claim(lookahead: float, limit: int) -> list[Job]:
            return await claim_jobs(pool, agent_id=None, lookahead=lookahead, limit=limit)

        async def report(job: Job, result: CheckResult, checked_at: datetime) -> None:
            await apply_result(pool, monitor_id=job.monitor_id, result=result,
                               checked_at=checked_at, due_at=job.due_at)  # fmt: skip

        self.scheduler = Scheduler(claim, report, concurrency=settings.uptime_concurrency)
        self.maintenance = Maintenance(
            pool,
            retention_days=settings.uptime_heartbeat_retention_days,
            agent_offline_after=settings.uptime_agent_offline_after,
            every=settings.uptime_maintenance_every,
        )

    def start(self) -> None:
        self.maintenance.start()
        self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.maintenance.stop()
