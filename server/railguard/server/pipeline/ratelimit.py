"""Per-key ingest rate limits: a token bucket per ingest key, in this process's memory.

The limit is per server process: with `railguard serve --workers N` the kernel spreads an SDK's
connections over N processes, so a key may be admitted up to N times its per-minute limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class KeyRateLimiter:
    """Admits `per_minute` events per key per minute, with bursts up to that many.

    `check` answers None (admitted) or the whole seconds to wait, which becomes both
    `Retry-After` and the `X-Sentry-Rate-Limits` window.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}

    def check(self, key_id: int, per_minute: int) -> int | None:
        now = self._clock()
        rate = per_minute / 60.0
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = _Bucket(float(per_minute), now)
        else:
            bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / rate))


def sentry_rate_limit_headers(retry_after: int, reason: str = "key_quota") -> dict[str, str]:
    """The headers every SDK understands: integer seconds, `secs:categories:scope:reason`."""
    return {
        "Retry-After": str(retry_after),
        "X-Sentry-Rate-Limits": f"{retry_after}::key:{reason}",
        "X-Sentry-Error": "rate limited",
    }
