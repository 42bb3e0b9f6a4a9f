"""Sentry SDK transactions (envelope `transaction` items, legacy store bodies) into the common
model (pure; the shapes are in docs/performance.md#sentry).

Lenient like the error path: a field of the wrong type is dropped, not the transaction; only a
transaction without a usable trace context or times is refused (BadRequest).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from railguard.server.errors import BadRequest
from railguard.server.traces import ids
from railguard.server.traces.model import Span, Transaction

MAX_TEXT = 2_000  # a span description (a SQL statement) is cut to this many characters
_EPOCH_LIMIT = 1e11  # seconds; later than year 5138 is nonsense


def timestamp(value: object) -> datetime | None:
    """Sentry timestamps: seconds since the epoch (float) or RFC 3339 text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not 0 <= value < _EPOCH_LIMIT:
            return None
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _text(value: object, limit: int = 200) -> str:
    return value.replace("\x00", "")[:limit] if isinstance(value, str) else ""


def _dict(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and value else None


def _times(raw: dict[str, Any]) -> tuple[datetime, float] | None:
    start, end = timestamp(raw.get("start_timestamp")), timestamp(raw.get("timestamp"))
    if start is None or end is None:
        return None
    return start, max(0.0, (end - start).total_seconds() * 1000)


def _span(raw: object, trace: str) -> Span | None:
    if not isinstance(raw, dict):
        return None
    span_id = ids.span_id(raw.get("span_id"))
    times = _times(raw)
    if span_id is None or times is None:
        return None
    return Span(
        trace_id=ids.trace_id(raw.get("trace_id")) or trace,
        span_id=span_id,
        parent_span_id=ids.span_id(raw.get("parent_span_id")),
        op=_text(raw.get("op")),
        description=_text(raw.get("description"), MAX_TEXT),
        status=_text(raw.get("status"), 50),
        started_at=times[0],
        duration_ms=times[1],
        data=_code_data(raw.get("data")),
    )


_KEPT_DATA = (
    "code.filepath", "code.function", "code.lineno", "code.namespace", "db.system",
    "http.method", "http.request.method", "http.response.status_code", "server.address",
)  # fmt: skip
_KEPT_SET = frozenset(_KEPT_DATA)


def _code_data(value: object) -> dict[str, Any] | None:
    """The span data worth keeping on every span (code location, db system, HTTP basics);
    the rest (thread ids, SDK internals) would double the bytes per span."""
    if not isinstance(value, dict):
        return None
    kept = {
        k: value[k] for k in value.keys() & _KEPT_SET if isinstance(value[k], str | int | float)
    }
    return kept or None


def parse_transaction(payload: dict[str, Any]) -> Transaction:
    """A Sentry transaction event as the common model."""
    contexts = payload.get("contexts")
    trace = contexts.get("trace") if isinstance(contexts, dict) else None
    if not isinstance(trace, dict):
        raise BadRequest("transaction without contexts.trace")
    trace_id, span_id = ids.trace_id(trace.get("trace_id")), ids.span_id(trace.get("span_id"))
    if trace_id is None or span_id is None:
        raise BadRequest("transaction without a valid trace_id and span_id")
    times = _times(payload)
    if times is None:
        raise BadRequest("transaction without start_timestamp and timestamp")
    raw_spans = payload.get("spans")
    spans = (
        [s for raw in raw_spans if (s := _span(raw, trace_id))]
        if isinstance(raw_spans, list)
        else []
    )
    request = _dict(payload.get("request"))
    return Transaction(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=ids.span_id(trace.get("parent_span_id")),
        name=_text(payload.get("transaction"), 500) or "<unnamed transaction>",
        op=_text(trace.get("op")),
        status=_text(trace.get("status"), 50) or "ok",
        environment=_text(payload.get("environment"), 100) or "production",
        release=_text(payload.get("release"), 250) or None,
        started_at=times[0],
        duration_ms=times[1],
        source="sentry",
        event_id=_event_id(payload.get("event_id")),
        spans=spans,
        request={
            k: request[k] for k in ("method", "url", "headers", "query_string") if k in request
        }
        if request
        else None,
        tags=_dict(payload.get("tags")),
    )


def _event_id(value: object) -> str | None:
    if isinstance(value, str) and len(value.replace("-", "")) == 32:
        text = value.replace("-", "").lower()
        return text if all(c in "0123456789abcdef" for c in text) else None
    return None


def _attributes(raw: dict[str, Any]) -> dict[str, Any]:
    """Span v2 `attributes` (`{"k": {"value": v, "type": t}}`) or v1 `data` as plain values."""
    attrs = raw.get("attributes")
    if isinstance(attrs, dict):
        return {k: v.get("value") for k, v in attrs.items() if isinstance(v, dict)}
    data = raw.get("data")
    return data if isinstance(data, dict) else {}


def parse_span_item(payload: object) -> tuple[list[Transaction], list[Span]]:
    """A `span` item, as `@sentry/node` 10+ streams them: `{"version": 2, "items": [...]}`
    (or one span object). Segment spans (`is_segment`) are transactions; the other spans hang
    off their segment when it is in the same item, else are kept as spans of their trace."""
    raws = payload.get("items") if isinstance(payload, dict) and "items" in payload else [payload]
    segments: dict[str, Transaction] = {}
    children: list[tuple[str | None, Span]] = []
    for raw in raws if isinstance(raws, list) else []:
        if not isinstance(raw, dict) or (trace_id := ids.trace_id(raw.get("trace_id"))) is None:
            continue
        attrs = _attributes(raw)
        start = timestamp(raw.get("start_timestamp"))
        end = timestamp(raw.get("end_timestamp", raw.get("timestamp")))
        span_id = ids.span_id(raw.get("span_id"))
        if start is None or end is None or span_id is None:
            continue
        duration = max(0.0, (end - start).total_seconds() * 1000)
        name = _text(raw.get("name") or raw.get("description"), MAX_TEXT)
        op = _text(attrs.get("sentry.op") or raw.get("op"))
        status = _text(raw.get("status"), 50) or "ok"
        parent = ids.span_id(raw.get("parent_span_id"))
        if raw.get("is_segment") is True:
            segments[span_id] = Transaction(
                trace_id=trace_id, span_id=span_id, parent_span_id=parent,
                name=_text(attrs.get("sentry.segment.name"), 500) or name[:500]
                or "<unnamed transaction>",
                op=op, status=status,
                environment=_text(attrs.get("sentry.environment"), 100) or "production",
                release=_text(attrs.get("sentry.release"), 250) or None,
                started_at=start, duration_ms=duration, source="sentry",
            )  # fmt: skip
            continue
        span = Span(
            trace_id=trace_id, span_id=span_id, parent_span_id=parent, op=op, description=name,
            status=status, started_at=start, duration_ms=duration, data=_code_data(attrs),
        )  # fmt: skip
        children.append((ids.span_id(attrs.get("sentry.segment.id")), span))
    orphans = []
    for segment, span in children:
        owner = segments.get(segment) if segment else None
        if owner is None:
            orphans.append(span)
        else:
            owner.spans.append(span)
    return list(segments.values()), orphans
