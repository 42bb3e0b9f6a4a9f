"""Bar charts as plain SVG geometry, drawn by the templates: no script, no inline style."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    total: int
    peak: int


def bar_chart(counts: list[int], *, width: int = 112, height: int = 24, gap: float = 1) -> Chart:
    """Bars scaled to the highest count; a bucket with any event is at least 1 unit tall."""
    peak = max(counts, default=0)
    slot = width / max(len(counts), 1)
    bars = []
    for i, n in enumerate(counts):
        h = 0.0 if n == 0 else max(1.0, height * n / peak)
        bars.append(Bar(round(i * slot, 2), round(height - h, 2), round(max(slot - gap, 1), 2),
                        round(h, 2), n))  # fmt: skip
    return Chart(width, height, bars, sum(counts), peak)
