"""Wire types of performance data: the routes table, a route over time, trace waterfalls
(docs/performance.md#api)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from railguard.wire.models import Response

Resolution = Literal["minute", "hour", "day"]


class RouteRow(Response):
    """One route (transaction name) in one environment over the window."""

    route: str
    environment: str
    count: int
    errors: int
    error_rate: float = Field(description="errors / count.")
    throughput_per_min: float = Field(description="count / minutes in the window.")
    avg_ms: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class RoutesTable(Response):
    since: datetime
    until: datetime
    resolution: Resolution
    relative_error: float = Field(description="Bound on the percentiles' relative error.")
    items: list[RouteRow]


class RoutePoint(Response):
    at: datetime
    count: int
    errors: int
    throughput_per_min: float
    avg_ms: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class SpanGroup(Response):
    """Time spent in one kind of span (op + normalised description) inside the route."""

    op: str
    description: str
    count: int
    total_ms: float
    avg_ms: float
    share: float = Field(description="total_ms / the route's total duration in the window.")


class SnapshotRef(Response):
    trace_id: str
    span_id: str
    started_at: datetime
    duration_ms: float
    status: str
    failed: bool
    environment: str


class RouteDetail(Response):
    route: str
    environment: str | None
    since: datetime
    until: datetime
    resolution: Resolution
    relative_error: float
    series: list[RoutePoint]
    span_groups: list[SpanGroup]
    snapshots: list[SnapshotRef]


class WaterfallItem(Response):
    kind: Literal["transaction", "span"]
    span_id: str
    parent_span_id: str | None
    op: str
    name: str = Field(description="Route of a transaction, description of a span.")
    status: str
    failed: bool
    offset_ms: float = Field(description="Start relative to the trace's first start.")
    duration_ms: float
    depth: int
    data: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = Field(
        default=None, description="A transaction's scrubbed request and tags, when kept."
    )
    environment: str | None = None
    release: str | None = None


class TraceError(Response):
    event_id: str
    incident_id: int
    occurred_at: datetime
    offset_ms: float
    error_type: str
    message: str
    level: str
    span_id: str | None


class Waterfall(Response):
    trace_id: str
    started_at: datetime | None
    duration_ms: float
    items: list[WaterfallItem]
    errors: list[TraceError]
