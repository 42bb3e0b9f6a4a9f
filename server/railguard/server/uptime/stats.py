"""Latency histograms for rollups, pure: fixed log-scale buckets that merge by addition.

Bucket i holds latencies in [BASE * GROWTH**(i-1), BASE * GROWTH**i) ms (bucket 0: below BASE),
the last bucket everything from 60 s up. A percentile is reported as its bucket's geometric
middle, so it is within ~5% of the true value (GROWTH = 1.1) whatever the window's length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

BASE_MS = 1.0
GROWTH = 1.1
BUCKETS = 1 + math.ceil(math.log(60_000 / BASE_MS, GROWTH)) + 1


def bucket_of(latency_ms: float) -> int:
    """The 0-based bucket of a latency."""
    if latency_ms < BASE_MS:
        return 0
    index = 1 + int(math.floor(math.log(latency_ms / BASE_MS, GROWTH)))
    return min(index, BUCKETS - 1)


def bucket_value(index: int) -> float:
    """The value reported for a bucket: the geometric middle of its bounds."""
    if index == 0:
        return BASE_MS / 2
    low = BASE_MS * GROWTH ** (index - 1)
    return low * math.sqrt(GROWTH)


def merge(histograms: Iterable[Sequence[int]]) -> list[int]:
    total = [0] * BUCKETS
    for hist in histograms:
        for i, count in enumerate(hist[:BUCKETS]):
            total[i] += count
    return total


def percentile(hist: Sequence[int], q: float) -> float | None:
    """The q-th percentile (0 < q <= 100) of a histogram; None when it is empty."""
    count = sum(hist)
    if count == 0:
        return None
    rank = max(1, math.ceil(q / 100 * count))
    seen = 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= rank:
            return round(bucket_value(i), 2)
    return round(bucket_value(len(hist) - 1), 2)  # pragma: no cover - rank <= count


def uptime_percent(up: int, checks: int) -> float | None:
    return None if checks == 0 else round(100.0 * up / checks, 3)
