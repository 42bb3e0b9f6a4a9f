"""Pure log parsing: Sentry SDK `log` / `otel_log` envelope items and OTLP log requests become
`LogRecord`s (docs/logs-and-health.md).

Levels follow OpenTelemetry's severity number ranges (1-4 trace, 5-8 debug, 9-12 info, 13-16
warn, 17-20 error, 21-24 fatal); a text level is used when there is no number. Bodies and
attribute sets are capped, never refused: a log line is worth keeping even when huge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from railguard.server.errors import BadRequest

LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")
MAX_BODY = 16 * 1024
MAX_ATTRIBUTES = 64
MAX_ATTRIBUTE_TEXT = 1024
_TEXT_LEVELS = {
    "trace": "trace", "debug": "debug", "info": "info", "information": "info",
    "notice": "info", "log": "info", "warn": "warn", "warning": "warn", "error": "error",
    "err": "error", "critical": "fatal", "fatal": "fatal", "emergency": "fatal",
}  # fmt: skip
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class LogRecord:
    occurred_at: datetime
    level: str
    body: str
    source: str  # "sentry" | "otlp"
    severity_number: int | None = None
    trace_id: str | None = None
    span_id: str | None = None
    environment: str | None = None
    release: str | None = None
    logger: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def level_of(number: int | None, text: str | None) -> str:
    """The stored level from a severity number (preferred) or a level name."""
    if number is not None and 1 <= number <= 24:
        return LEVELS[(number - 1) // 4]
    if text:
        return _TEXT_LEVELS.get(text.strip().lower(), "info")
    return "info"


def clean(text: str, cap: int) -> str:
    return text.replace("\x00", "")[:cap]


def hex_id(value: Any, length: int) -> str | None:
    """A lower-case hex trace or span id of `length` digits; anything else (all zeros too) is
    no id."""
    if not isinstance(value, str):
        return None
    value = value.strip().lower().replace("-", "")
    if len(value) != length or not set(value) <= _HEX or set(value) == {"0"}:
        return None
    return value


def parse_time(value: Any, received_at: datetime) -> datetime:
    """Seconds (float) or nanoseconds (int/str) since the epoch; missing or absurd: received."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return received_at
    if number > 1e14:  # nanoseconds
        number /= 1e9
    if not 0 < number < 32503680000:  # before year 3000
        return received_at
    return datetime.fromtimestamp(number, UTC)


def _attr_text(value: Any) -> str | None:
    return clean(value, MAX_ATTRIBUTE_TEXT) if isinstance(value, str) else None


def bounded(attributes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in list(attributes.items())[:MAX_ATTRIBUTES]:
        if isinstance(value, str):
            value = clean(value, MAX_ATTRIBUTE_TEXT)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            value = str(value)
        elif not isinstance(value, bool | int | float) and value is not None:
            value = clean(orjson.dumps(value, default=str).decode(), MAX_ATTRIBUTE_TEXT)
        out[clean(str(key), 200)] = value
    return out


def _sentry_attributes(raw: Any) -> dict[str, Any]:
    """Sentry's typed attributes (`{"k": {"value": v, "type": "string"}}`) as plain values."""
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): (v.get("value") if isinstance(v, dict) and "value" in v else v)
        for k, v in raw.items()
    }


def sentry_log(entry: Any, received_at: datetime) -> LogRecord:
    """One element of a `log` item's `items` (or an `otel_log` payload)."""
    if not isinstance(entry, dict):
        raise BadRequest("a log entry is not a JSON object")
    attrs = _sentry_attributes(entry.get("attributes"))
    if isinstance(entry.get("attributes"), list):  # otel_log: OTLP JSON key/value list
        attrs = {str(a["key"]): _any_value(a.get("value")) for a in entry["attributes"]
                 if isinstance(a, dict) and isinstance(a.get("key"), str)}  # fmt: skip
    body = entry.get("body")
    if isinstance(body, dict):
        body = _any_value(body)
    number = entry.get("severity_number", attrs.get("sentry.severity_number"))
    number = number if isinstance(number, int) and not isinstance(number, bool) else None
    text = entry.get("level") or entry.get("severity_text")
    return LogRecord(
        occurred_at=parse_time(entry.get("timestamp", entry.get("time_unix_nano")), received_at),
        level=level_of(number, text if isinstance(text, str) else None),
        body=clean(body if isinstance(body, str) else orjson.dumps(body).decode(), MAX_BODY),
        source="sentry",
        severity_number=number,
        trace_id=hex_id(entry.get("trace_id"), 32),
        span_id=hex_id(entry.get("span_id"), 16),
        environment=_attr_text(attrs.get("sentry.environment")),
        release=_attr_text(attrs.get("sentry.release")),
        logger=_attr_text(attrs.get("logger.name")),
        attributes=bounded(attrs),
    )


def sentry_log_item(payload: bytes, item_type: str, received_at: datetime) -> list[LogRecord]:
    """The records of a `log` item (`{"items": [...]}`) or an `otel_log` item (one record)."""
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise BadRequest(f"invalid JSON in a {item_type} item") from None
    if item_type == "otel_log":
        return [sentry_log(data, received_at)]
    entries = data.get("items") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise BadRequest("a log item has no `items` list")
    return [sentry_log(entry, received_at) for entry in entries]


def _any_value(value: Any) -> Any:
    """An OTLP JSON `AnyValue` (camelCase or snake_case keys) as a plain value."""
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "string_value", "boolValue", "bool_value", "doubleValue",
                "double_value"):  # fmt: skip
        if key in value:
            return value[key]
    for key in ("intValue", "int_value"):
        if key in value:
            try:
                return int(value[key])
            except (TypeError, ValueError):
                return value[key]
    for key in ("arrayValue", "array_value"):
        if key in value and isinstance(value[key], dict):
            return [_any_value(v) for v in value[key].get("values", [])]
    for key in ("kvlistValue", "kvlist_value"):
        if key in value and isinstance(value[key], dict):
            return {
                kv.get("key"): _any_value(kv.get("value"))
                for kv in value[key].get("values", [])
                if isinstance(kv, dict)
            }
    return None
