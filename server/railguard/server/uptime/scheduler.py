"""Runs claimed checks at their due time. The claim (which monitors, once per slot) is the
caller's: the built-in agent claims in PostgreSQL, an external agent over HTTP. Claiming a
little ahead (`lookahead`) and sleeping until each job's due time keeps start times within
tens of milliseconds of the slot, however long the claim round trip takes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from railguard.server.uptime.checks import CheckResult, run_check
from railguard.wire import uptime as u

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    monitor_id: int
    due_at: datetime
    timeout: float
    check: u.HttpCheck | u.TcpCheck | u.PingCheck | u.DnsCheck


ClaimFn = Callable[[float, int], Awaitable[list[Job]]]
ReportFn = Callable[[Job, CheckResult, datetime], Awaitable[None]]
RunFn = Callable[[u.HttpCheck | u.TcpCheck | u.PingCheck | u.DnsCheck, float],
                 Awaitable[CheckResult]]  # fmt: skip
ClockFn = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """Claim every `poll` seconds what is due within `lookahead`, run each job at its time."""

    def __init__(
        self,
        claim: ClaimFn,
        report: ReportFn,
        *,
        poll: float = 0.5,
        lookahead: float = 2.0,
        concurrency: int = 500,
        run: RunFn = run_check,
        clock: ClockFn = utc_now,
    ) -> None:
        self._claim, self._report, self._run = claim, report, run
        self._poll, self._lookahead, self._concurrency = poll, lookahead, concurrency
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        #: Seconds between each recent job's due time and its start (for the bench).
        self.lateness: collections.deque[float] = collections.deque(maxlen=100_000)
        self.completed = 0

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name="uptime-scheduler")

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            room = self._concurrency - len(self._tasks)
            if room > 0:
                try:
                    jobs = await self._claim(self._lookahead, room)
                except Exception:  # the database or server is away: keep trying, quietly
                    log.warning("uptime: claiming due checks failed", exc_info=True)
                    jobs = []
                    await asyncio.sleep(1)
                for job in jobs:
                    task = asyncio.create_task(self._execute(job))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            await asyncio.sleep(self._poll)

    async def _execute(self, job: Job) -> None:
        delay = (job.due_at - self._clock()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        started = self._clock()
        self.lateness.append((started - job.due_at).total_seconds())
        result = await self._run(job.check, job.timeout)
        try:
            await self._report(job, result, started)
        except Exception:
            log.warning("uptime: recording the result of monitor %s failed", job.monitor_id,
                        exc_info=True)  # fmt: skip
        self.completed += 1
