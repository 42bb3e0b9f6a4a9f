"""Pure pieces: span grouping, ids, the waterfall's depths and offsets, Sentry parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from railguard.server.errors import BadRequest
from railguard.server.traces import groups, ids, waterfall
from railguard.server.traces.sentry import parse_transaction


@pytest.mark.parametrize(
    ("raw", "group"),
    [
        ("SELECT * FROM t WHERE id = 42", "SELECT * FROM t WHERE id = ?"),
        ("SELECT * FROM t WHERE name = 'bob' AND x IN (1, 2, 3)",
         "SELECT * FROM t WHERE name = ? AND x IN (?, …)"),
        ("GET /orders/123e4567-e89b-12d3-a456-426614174000", "GET /orders/?"),
        ("GET  /v2/items/17\n", "GET /v2/items/?"),
        ("x" * 500, "x" * 200),
    ],
)  # fmt: skip
def test_span_groups(raw: str, group: str) -> None:
    assert groups.normalize(raw) == group


def test_span_ids_round_trip_through_signed_bigint() -> None:
    for hex16 in ("0000000000000001", "7fffffffffffffff", "8000000000000000", "ffffffffffffffff"):
        value = ids.span_int(hex16)
        assert -(2**63) <= value < 2**63
        assert ids.span_hex(value) == hex16
    assert ids.trace_id("0" * 32) is None and ids.span_id("xyz") is None
    assert (
        ids.trace_id("5B8EFFF7-9803-8103-D269-B633813FC60C") == "5b8efff798038103d269b633813fc60c"
    )


def _item(span: str, parent: str | None, at_ms: float, dur: float) -> dict[str, object]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return {"kind": "span", "span_id": span, "parent_span_id": parent, "op": "", "name": span,
            "status": "ok", "failed": False, "started_at": start + timedelta(milliseconds=at_ms),
            "duration_ms": dur}  # fmt: skip


def test_waterfall_depths_offsets_cycles_and_duplicates() -> None:
    items = [
        _item("b", "a", 5, 10), _item("a", None, 0, 40), _item("c", "b", 6, 2),
        _item("x", "y", 30, 20), _item("y", "x", 31, 1),  # a cycle: cut, not looped
        _item("b", "a", 5, 10),  # sent twice
        _item("o", "missing", 1, 1),  # parent not stored: a root
    ]  # fmt: skip
    fall = waterfall.build("t", items, [])
    got = [(i.span_id, i.offset_ms, i.depth) for i in fall.items]
    assert got == [("a", 0, 0), ("o", 1, 0), ("b", 5, 1), ("c", 6, 2), ("x", 30, 1),
                   ("y", 31, 0)]  # fmt: skip
    assert fall.duration_ms == 50


def test_sentry_transaction_needs_trace_ids_and_times() -> None:
    base = {"start_timestamp": 1.0, "timestamp": 2.0,
            "contexts": {"trace": {"trace_id": "a" * 32, "span_id": "b" * 16}}}  # fmt: skip
    tx = parse_transaction(
        {
            **base,
            "spans": [
                {
                    "span_id": "c" * 16,
                    "start_timestamp": "1970-01-01T00:00:01.5Z",
                    "timestamp": 1.75,
                    "op": "db",
                },
                {"span_id": 7},
            ],
        }  # fmt: skip
    )
    assert tx.duration_ms == 1000 and tx.name == "<unnamed transaction>"
    (span,) = tx.spans
    assert span.duration_ms == 250 and span.trace_id == "a" * 32
    for broken in ({**base, "contexts": {}}, {**base, "timestamp": "soon"},
                   {**base, "contexts": {"trace": {"trace_id": "a" * 32}}}):  # fmt: skip
        with pytest.raises(BadRequest):
            parse_transaction(broken)
