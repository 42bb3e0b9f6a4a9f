"""What one transaction (a request, a job: the root span of a service) and its spans are,
whichever protocol brought them (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Statuses that are not failures: Sentry's `ok`, `cancelled` and `unknown`, and OTLP's UNSET/OK.
_NOT_FAILED = frozenset({"", "ok", "cancelled", "unknown", "unset"})


def is_failure(status: str | None) -> bool:
    return (status or "").lower() not in _NOT_FAILED


@dataclass(slots=True)
class Span:
    trace_id: str  # 32 lowercase hex
    span_id: str  # 16 lowercase hex
    parent_span_id: str | None
    op: str
    description: str
    status: str
    started_at: datetime
    duration_ms: float
    data: dict[str, Any] | None = None


@dataclass(slots=True)
class Transaction:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str  # the route: `GET /orders/{id}`, a task name
    op: str
    status: str
    environment: str
    release: str | None
    started_at: datetime
    duration_ms: float
    source: str  # sentry | otlp
    event_id: str | None = None
    spans: list[Span] = field(default_factory=list)
    # What a snapshot keeps (request with headers, tags), scrubbed when it is kept.
    request: dict[str, Any] | None = None
    tags: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return is_failure(self.status)
