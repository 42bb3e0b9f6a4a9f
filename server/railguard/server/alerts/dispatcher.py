"""The dispatcher task each server process runs: wake on `NOTIFY railguard_alerts` (or a short
poll, which also brings due retries), expand the outbox, send due deliveries, and run the
periodic jobs when they are due. Every step claims its rows in PostgreSQL, so any number of
processes and servers can run it side by side."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp
import asyncpg

from railguard.server.alerts import evaluator
from railguard.server.alerts.deliver import deliver_once
from railguard.server.alerts.outbox import expand_once
from railguard.server.db import DATABASE_DOWN
from railguard.server.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "railguard_alerts"


class Dispatcher:
    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self._pool = pool
        self._settings = settings
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._session: aiohttp.ClientSession | None = None
        self._next_jobs = 0.0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="railguard-alert-dispatcher")

    def poke(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        if self._session is not None:
            await self._session.close()

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            assert self._settings.database_url is not None
            self._listener = await asyncpg.connect(self._settings.database_url)
            await self._listener.add_listener(CHANNEL, lambda *_: self._wake.set())
        except (*DATABASE_DOWN, asyncpg.PostgresError) as exc:
            log.warning("alert dispatcher cannot listen (polling instead): %s", exc)
            self._listener = None

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._settings.smtp_timeout_seconds)
        self._session = aiohttp.ClientSession(timeout=timeout)
        while True:
            await self._listen()
            try:
                await self.run_once()
            except DATABASE_DOWN as exc:
                log.warning("alert dispatcher: database unavailable: %s", exc)
            except Exception:  # noqa: BLE001 - keep dispatching after a bug in one pass
                log.exception("alert dispatcher pass failed")
            try:
                await asyncio.wait_for(self._wake.wait(), self._settings.alert_poll_seconds)
            except TimeoutError:
                continue
            # Woken by a decision: let the rest of a burst land, so it is expanded (and
            # summarised) together rather than as a trickle of single alerts.
            await asyncio.sleep(self._settings.alert_coalesce_seconds)
            self._wake.clear()

    async def run_once(self) -> None:
        """Expand and send until nothing is due, then run the periodic jobs if their time came."""
        assert self._session is not None
        while True:
            expanded = await expand_once(self._pool, self._settings)
            sent = await deliver_once(self._pool, self._settings, self._session)
            if not expanded and not sent:
                break
        now = time.monotonic()
        if now >= self._next_jobs:
            self._next_jobs = now + min(10.0, self._settings.alert_evaluate_seconds)
            await evaluator.evaluate_rules(self._pool, self._settings)
            await evaluator.send_digests(self._pool, self._settings)
