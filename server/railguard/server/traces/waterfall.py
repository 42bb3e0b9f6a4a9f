"""A trace as a waterfall: its transactions and spans in start order, each with its offset
from the trace's start and its depth under its parents (pure)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from railguard.wire import traces as t


def _depths(parents: dict[str, str | None]) -> dict[str, int]:
    depths: dict[str, int] = {}

    def depth(span_id: str) -> int:
        chain = []
        current: str | None = span_id
        while current is not None and current in parents and current not in depths:
            if current in chain:  # a cycle in what clients sent: cut it
                break
            chain.append(current)
            current = parents[current]
        base = depths.get(current, -1) if current is not None and current in depths else -1
        for node in reversed(chain):
            base += 1
            depths[node] = base
        return depths[span_id]

    for span_id in parents:
        depth(span_id)
    return depths


def build(trace_id: str, items: list[dict[str, Any]], errors: list[dict[str, Any]]) -> t.Waterfall:
    """`items`: dicts with the WaterfallItem fields except offset and depth, plus `started_at`.
    The same span id twice (an OTLP export sent again) is shown once."""
    unique: dict[str, dict[str, Any]] = {}
    for item in sorted(items, key=lambda i: (i["started_at"], i["kind"] != "transaction")):
        unique.setdefault(item["span_id"], item)
    ordered = list(unique.values())
    starts = [i["started_at"] for i in ordered[:1]] + [e["occurred_at"] for e in errors]
    if not starts:
        return t.Waterfall(trace_id=trace_id, started_at=None, duration_ms=0, items=[],
                           errors=[])  # fmt: skip
    start: datetime = min(starts)
    end = max((_ms(i["started_at"], start) + i["duration_ms"] for i in ordered), default=0.0)
    depths = _depths({i["span_id"]: i["parent_span_id"] for i in ordered})
    out = [
        t.WaterfallItem(
            **{k: v for k, v in i.items() if k != "started_at"},
            offset_ms=_ms(i["started_at"], start),
            depth=depths[i["span_id"]],
        )  # fmt: skip
        for i in ordered
    ]
    errs = [t.TraceError(**e, offset_ms=_ms(e["occurred_at"], start)) for e in errors]
    return t.Waterfall(trace_id=trace_id, started_at=start, duration_ms=end, items=out,
                       errors=errs)  # fmt: skip


def _ms(at: datetime, start: datetime) -> float:
    return (at - start).total_seconds() * 1000
