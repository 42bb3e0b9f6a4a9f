"""The log-scale histograms: percentiles within the stated relative error of the exact ones,
merging equals building from the union (so rollups are exact), and the packed form round-trips
and merges in PostgreSQL exactly as in Python."""

from __future__ import annotations

import math

import asyncpg
from hypothesis import given, settings
from hypothesis import strategies as st

from railguard.server.traces import histogram as h

_DURATION = st.floats(min_value=0.0005, max_value=10 * 3_600_000.0, allow_nan=False)
_DURATIONS = st.lists(_DURATION, min_size=1, max_size=400)
_Q = st.floats(min_value=0.0, max_value=1.0)


def exact(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[math.floor(q * (len(ordered) - 1))]


def within(estimate: float, value: float) -> bool:
    if value <= h.MIN_MS:
        return estimate == h.MIN_MS
    return abs(estimate - value) <= h.RELATIVE_ERROR * value * (1 + 1e-9)


@settings(max_examples=400, deadline=None)
@given(_DURATIONS, _Q)
def test_quantile_is_within_the_relative_error_of_the_exact_one(
    values: list[float], q: float
) -> None:
    estimate = h.quantile(h.build(values), q)
    assert estimate is not None
    assert within(estimate, exact(values, q)), (estimate, exact(values, q))


@settings(max_examples=200, deadline=None)
@given(st.lists(_DURATIONS, min_size=1, max_size=8))
def test_merging_minutes_equals_building_the_hour(parts: list[list[float]]) -> None:
    merged = h.merge(*(h.build(p) for p in parts))
    assert merged == h.build([v for p in parts for v in p])
    assert h.decode(h.encode(merged)) == merged
    assert h.merge_packed(h.encode(h.build(p)) for p in parts) == merged


@given(_DURATION)
def test_every_bucket_value_is_within_the_error_of_its_members(value: float) -> None:
    assert within(h.bucket_value(h.bucket_of(value)), min(value, h.MAX_MS))


def test_edges() -> None:
    assert h.quantile({}, 0.5) is None
    assert h.bucket_of(float("nan")) == 0
    assert h.bucket_of(1e12) == h.MAX_BUCKET
    assert h.quantiles(h.build([1.0, 2.0, 3.0, 4.0, 100.0]), (0.0, 1.0)) == [
        h.bucket_value(h.bucket_of(1.0)), h.bucket_value(h.bucket_of(100.0)),
    ]  # fmt: skip


async def test_sql_merge_matches_python(database_url: str) -> None:
    a, b = h.build([0.4, 3.0, 3.01, 250.0, 9e6]), h.build([3.0, 999.0, 0.0001])
    conn = await asyncpg.connect(database_url)
    try:
        merged = await conn.fetchval(
            "SELECT traces_hist_merge($1::bigint[], $2::bigint[])", h.encode(a), h.encode(b)
        )
        empty = await conn.fetchval("SELECT traces_hist_merge('{}', '{}')")
    finally:
        await conn.close()
    assert list(merged) == h.encode(h.merge(a, b))
    assert list(empty) == []
