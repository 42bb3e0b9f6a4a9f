"""The organisation's monthly event quota at ingest: a project whose organisation used its quota
this month is refused with 429 until the month ends (UTC).

Each process reads an organisation's state at most every `ttl` seconds
(`RAILGUARD_QUOTA_CHECK_SECONDS`, 5 s) and counts the requests it lets through meanwhile, so
other processes' traffic (and envelopes of several events) can pass a quota by what arrives in
that time; usage itself is exact (the writer counts what it stores). A threshold (80 %, 100 %)
reached is handed to `on_threshold` when the state is read; the callee claims the announcement
in the database, so one server makes it once a month.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import asyncpg
from cachetools import TTLCache

from railguard.server.db import queries

THRESHOLDS = (100, 80)
# What an SDK stops sending when the event quota is used: error events and their kin (`default`
# is a message event, `security` a CSP report), for the organisation as a whole.
ORG_QUOTA_SCOPE = ("error;default;security", "organization")

OnThreshold = Callable[[int, int, int, int], Coroutine[Any, Any, None]]  # org, %, used, quota


class OverQuota(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("organisation over its monthly event quota")
        self.retry_after = retry_after


@dataclass
class _State:
    organization_id: int
    quota: int | None
    used: int
    notified: int
    seconds_left: int
    admitted: int = 0  # requests let through by this process since `used` was read


def crossed(used: int, quota: int | None, notified: int) -> int | None:
    """The highest threshold (percent) reached and not announced yet, if any."""
    if quota is None:
        return None
    for percent in THRESHOLDS:
        if used * 100 >= quota * percent and notified < percent:
            return percent
    return None


class QuotaGate:
    def __init__(
        self, pool: asyncpg.Pool, on_threshold: OnThreshold | None = None, ttl: float = 5.0
    ) -> None:
        self._pool = pool
        self._on_threshold = on_threshold
        self._states: TTLCache[int, _State] = TTLCache(maxsize=50_000, ttl=ttl)
        self._tasks: set[asyncio.Task[None]] = set()

    async def check(self, project_id: int) -> None:
        """Raise `OverQuota` when the project's organisation used its event quota."""
        state = self._states.get(project_id)
        if state is None:
            row = await queries.project_quota(self._pool, project_id=project_id)
            if row is None:
                return
            state = _State(row["organization_id"], row["event_quota"], row["used"],
                           row["notified_percent"], max(1, row["seconds_left"]))  # fmt: skip
            self._states[project_id] = state
            percent = crossed(state.used, state.quota, state.notified)
            if percent is not None and self._on_threshold is not None and state.quota:
                task = asyncio.create_task(self._on_threshold(
                    state.organization_id, percent, state.used, state.quota
                ))  # fmt: skip
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        if state.quota is not None:
            if state.used + state.admitted >= state.quota:
                raise OverQuota(state.seconds_left)
            state.admitted += 1

    def forget(self) -> None:
        self._states.clear()
