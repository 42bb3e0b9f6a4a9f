"""The external agent (`railguard agent --server URL --key K`): claims its project's checks
from a Railguard server over HTTP, runs them from this network, and sends the results.

Every claim is also the agent's liveness report. Results are sent in batches and kept (up to
10,000) while the server cannot be reached. Times travel on the server's clock: each claim
answer carries `server_time`, and the agent shifts due times and results by the offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from datetime import datetime, timedelta
from importlib.metadata import version
from typing import Any

import aiohttp

from railguard.server.uptime.checks import CheckResult
from railguard.server.uptime.checks.ping import ping_problem
from railguard.server.uptime.scheduler import Job, Scheduler, utc_now
from railguard.wire import uptime as u

log = logging.getLogger(__name__)

_BACKLOG = 10_000


class AgentError(Exception):
    """The agent cannot go on (its key was refused); one line for the operator."""


class RemoteAgent:
    def __init__(
        self, server: str, key: str, *, poll: float = 0.5, lookahead: float = 2.0,
        flush_every: float = 0.5,
    ) -> None:  # fmt: skip
        self._base = server.rstrip("/")
        self._headers = {"Authorization": f"Bearer {key}"}
        self._lookahead = lookahead
        self._flush_every = flush_every
        self._offset = timedelta(0)  # server clock minus ours
        self._pending: list[dict[str, Any]] = []
        self._fatal: AgentError | None = None
        self._stop = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self.can_ping = ping_problem() is None
        self.scheduler = Scheduler(self._claim, self._report, poll=poll, lookahead=lookahead)

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        assert self._session is not None
        async with self._session.post(self._base + path, json=body, headers=self._headers) as r:
            if r.status == 401:
                self._fatal = AgentError(f"the server refused the agent key ({await r.text()})")
                self._stop.set()
                return None
            if r.status >= 400:
                raise aiohttp.ClientResponseError(
                    r.request_info, (), status=r.status, message=await r.text()
                )
            return await r.json()

    async def _claim(self, lookahead: float, limit: int) -> list[Job]:
        sent = utc_now()
        body = u.AgentClaimRequest(
            hostname=socket.gethostname()[:200], version=version("railguard"),
            can_ping=self.can_ping, lookahead_seconds=lookahead,
        )  # fmt: skip
        answer = await self._post("/api/v1/agent/claim", body.model_dump(mode="json"))
        if answer is None:
            return []
        claim = u.AgentClaim.model_validate(answer)
        received = utc_now()
        self._offset = claim.server_time - (sent + (received - sent) / 2)
        return [
            Job(j.monitor_id, j.due_at - self._offset, j.timeout_seconds, j.check)
            for j in claim.jobs[:limit]
        ]

    async def _report(self, job: Job, result: CheckResult, checked_at: datetime) -> None:
        item = u.AgentResult(
            monitor_id=job.monitor_id, due_at=job.due_at + self._offset,
            checked_at=checked_at + self._offset, ok=result.ok, latency_ms=result.latency_ms,
            error=result.error, cert_expires_at=result.cert_expires_at,
        )  # fmt: skip
        self._pending.append(item.model_dump(mode="json"))
        del self._pending[:-_BACKLOG]

    async def _flush(self) -> None:
        batch = self._pending[:1000]
        if not batch:
            return
        try:
            await self._post("/api/v1/agent/results", {"results": batch})
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("agent: cannot send results (%s); keeping %d", exc, len(self._pending))
            return
        del self._pending[: len(batch)]

    async def run(self) -> None:
        """Run until `stop()` or until the server refuses the key (then raise AgentError)."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as self._session:
            self.scheduler.start()
            try:
                while not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), self._flush_every)
                    await self._flush()
            finally:
                await self.scheduler.stop()
                with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                    await self._flush()
        if self._fatal is not None:
            raise self._fatal

    def stop(self) -> None:
        self._stop.set()
