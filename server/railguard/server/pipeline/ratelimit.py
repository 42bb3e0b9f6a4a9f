"""Per-key ingest rate limits that count events, shared through PostgreSQL.

Each key has a counter per minute (`key_rate_windows`), updated atomically, so the limit holds
across the worker processes of one server and across servers sharing the database. To keep the
hot path cheap a process reserves events in leases: asking for what it needs plus a lease of
about 1 % of the limit (at most 500), then spends the lease locally; a key whose minute is used
up is refused locally until the next minute. So a busy key costs one round trip per lease, a
quiet key one per request, and a process can over-count (never over-admit) by one lease.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from railguard.server.db import queries

_LEASE_MAX = 500
_PRUNE_EVERY = 10  # minutes


@dataclass
class _Window:
    number: int
    left: int = 0  # leased, not yet spent
    exhausted: bool = False


class KeyRateLimiter:
    """`admit(key, per_minute, wanted)` answers how many of `wanted` events may be stored."""

    def __init__(self, pool: asyncpg.Pool, clock: Callable[[], float] = time.time) -> None:
        self._pool = pool
        self._clock = clock
        self._windows: dict[int, _Window] = {}
        self._pruned = 0

    def retry_after(self) -> int:
        """Whole seconds until the next minute starts (for Retry-After)."""
        return max(1, math.ceil(60 - self._clock() % 60))

    def _window(self, key_id: int) -> _Window:
        number = int(self._clock() // 60)
        window = self._windows.get(key_id)
        if window is None or window.number != number:
            window = self._windows[key_id] = _Window(number)
        return window

    def exhausted(self, key_id: int) -> bool:
        """True when this key is known to be out of events this minute (no round trip)."""
        return self._window(key_id).exhausted

    async def admit(self, key_id: int, per_minute: int, wanted: int) -> int:
        window = self._window(key_id)
        if window.exhausted or wanted <= 0:
            return 0
        granted = min(wanted, window.left)
        window.left -= granted
        need = wanted - granted
        if need:
            lease = min(_LEASE_MAX, per_minute // 100)
            asked = need + lease
            got = int(
                await queries.reserve_events(
                    self._pool, key_id=key_id, window_no=window.number, wanted=asked,
                    per_minute=per_minute,
                )
            )  # fmt: skip
            use = min(got, need)
            granted += use
            window.left += got - use
            if got < asked:
                window.exhausted = window.left == 0
            await self._maybe_prune(window.number)
        return granted

    async def _maybe_prune(self, number: int) -> None:
        if number - self._pruned >= _PRUNE_EVERY:
            self._pruned = number
            await queries.prune_rate_windows(self._pool, before=number - 2)
            if len(self._windows) > 10_000:
                self._windows = {k: w for k, w in self._windows.items() if w.number == number}


def sentry_rate_limit_headers(
    retry_after: int, reason: str = "key_quota", categories: str = "", scope: str = "key"
) -> dict[str, str]:
    """The headers every SDK understands: integer seconds, `secs:categories:scope:reason`
    (no categories: all of them)."""
    return {
        "Retry-After": str(retry_after),
        "X-Sentry-Rate-Limits": f"{retry_after}:{categories}:{scope}:{reason}",
        "X-Sentry-Error": "rate limited",
    }
