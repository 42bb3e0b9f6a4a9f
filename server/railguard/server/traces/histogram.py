"""Mergeable fixed log-scale duration histograms (pure; docs/performance.md#histograms).

Written by hand: the scheme is a few lines, it must match the SQL merge function of the
migration exactly, and no library stores DDSketch-like buckets as PostgreSQL arrays.

A duration `d` in milliseconds goes to bucket `i = ceil(log(d / MIN_MS) / log(GAMMA))`
(durations at or below `MIN_MS` to bucket 0, above `MAX_MS` to the last bucket). Bucket `i`
holds `(MIN_MS·GAMMA^(i-1), MIN_MS·GAMMA^i]`; it is reported as `2·MIN_MS·GAMMA^i / (GAMMA + 1)`,
which is within `RELATIVE_ERROR` of every value in the bucket. Buckets never change, so two
histograms merge by adding counts: minutes roll up into hours and days exactly.

Stored form: a sorted `bigint[]` whose elements are `bucket << 32 | count` (counts below 2^32
per bucket and row), one element per non-empty bucket.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

RELATIVE_ERROR = 0.01
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
MIN_MS = 0.001  # one microsecond
MAX_MS = 86_400_000.0  # one day
_LOG_GAMMA = math.log(GAMMA)
MAX_BUCKET = math.ceil(math.log(MAX_MS / MIN_MS) / _LOG_GAMMA)
_COUNT_MASK = (1 << 32) - 1

Histogram = dict[int, int]


def bucket_of(duration_ms: float) -> int:
    if not duration_ms > MIN_MS:  # also NaN
        return 0
    if duration_ms >= MAX_MS:
        return MAX_BUCKET
    return min(MAX_BUCKET, max(0, math.ceil(math.log(duration_ms / MIN_MS) / _LOG_GAMMA)))


def bucket_value(bucket: int) -> float:
    """The value reported for a bucket: within RELATIVE_ERROR of everything in it."""
    if bucket == 0:
        return MIN_MS
    return 2 * MIN_MS * GAMMA**bucket / (GAMMA + 1)


def build(durations: Iterable[float]) -> Histogram:
    hist: Histogram = {}
    for d in durations:
        b = bucket_of(d)
        hist[b] = hist.get(b, 0) + 1
    return hist


def add(hist: Histogram, duration_ms: float) -> None:
    b = bucket_of(duration_ms)
    hist[b] = hist.get(b, 0) + 1


def merge(*hists: Mapping[int, int]) -> Histogram:
    out: Histogram = {}
    for h in hists:
        for b, c in h.items():
            out[b] = out.get(b, 0) + c
    return out


def total(hist: Mapping[int, int]) -> int:
    return sum(hist.values())


def quantile(hist: Mapping[int, int], q: float) -> float | None:
    """The value at rank `floor(q·(n-1))` (0-based) of the sorted durations, within
    RELATIVE_ERROR (None for an empty histogram)."""
    n = total(hist)
    if n == 0:
        return None
    rank = math.floor(min(max(q, 0.0), 1.0) * (n - 1))
    seen = 0
    for b in sorted(hist):
        seen += hist[b]
        if seen > rank:
            return bucket_value(b)
    return bucket_value(max(hist))  # pragma: no cover - the loop always returns


def quantiles(hist: Mapping[int, int], qs: Iterable[float]) -> list[float | None]:
    return [quantile(hist, q) for q in qs]


def encode(hist: Mapping[int, int]) -> list[int]:
    """The stored `bigint[]` form."""
    return [(b << 32) | c for b, c in sorted(hist.items()) if c > 0]


def decode(packed: Iterable[int]) -> Histogram:
    out: Histogram = {}
    for v in packed:
        b = v >> 32
        out[b] = out.get(b, 0) + (v & _COUNT_MASK)
    return out


def merge_packed(rows: Iterable[Iterable[int]]) -> Histogram:
    """Merge stored histograms straight from their packed form."""
    out: Histogram = {}
    for packed in rows:
        for v in packed:
            b = v >> 32
            out[b] = out.get(b, 0) + (v & _COUNT_MASK)
    return out
