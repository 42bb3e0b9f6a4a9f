"""Scalar fields of a Sentry event: JSON loading, strings, timestamps, levels and tags.

Helpers of the lenient event model (`event.py`, docs/sentry-protocol.md §5): each returns a
normalised value or None, never raises on odd input (only `load_event_json` refuses non-objects).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from railguard.server.errors import BadRequest

__all__ = [
    "LEVELS",
    "MAX_MESSAGE",
    "clamp_occurred_at",
    "int_or_none",
    "load_event_json",
    "normalize_level",
    "normalize_tags",
    "parse_timestamp",
    "text_or_none",
]

MAX_MESSAGE = 8192
"""Relay's cap on messages and exception values."""
MAX_FUTURE = timedelta(seconds=60)
MAX_AGE = timedelta(days=30)
MIN_DRIFT = timedelta(seconds=60)
"""Clock drift below this is network latency, not a wrong clock; it is not corrected."""
MAX_TAGS = 200

LEVELS = frozenset({"fatal", "error", "warning", "info", "debug"})
_LEVEL_ALIASES = {"warn": "warning", "critical": "fatal", "log": "info", "trace": "debug"}
_TAG_KEY_RE = re.compile(r"[a-zA-Z0-9_.:-]{1,32}")


def normalize_level(value: object) -> str | None:
    """A Sentry level (aliases such as `warn`, `critical`, `log` mapped), None if unknown."""
    level = (text_or_none(value, 20) or "error").lower()
    level = _LEVEL_ALIASES.get(level, level)
    return level if level in LEVELS else None


def load_event_json(data: bytes) -> dict[str, Any]:
    """Parse an event payload: orjson, falling back to the stdlib for what orjson refuses.

    Invalid text is repaired rather than refused, as Sentry accepts such events: bytes that are
    not UTF-8 and lone surrogate escapes (`"\\ud800"`) become U+FFFD, NUL characters (which
    PostgreSQL text cannot hold) are dropped, raw control characters in strings are kept.
    `NaN`/`Infinity` parse.
    """
    try:
        value = orjson.loads(data)
        if b"\\u0000" in data:
            value = _repaired(value)
    except orjson.JSONDecodeError:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes | bytearray) else data
        try:
            value = _repaired(json.loads(text, strict=False))
        except (ValueError, RecursionError):
            raise BadRequest("invalid JSON in event payload") from None
    if not isinstance(value, dict):
        raise BadRequest("event payload is not a JSON object")
    return value


_BAD_TEXT_RE = re.compile("[\\ud800-\\udfff\\x00]")


def _fix(match: re.Match[str]) -> str:
    return "" if match.group(0) == "\x00" else "\ufffd"


def _repaired(value: Any) -> Any:
    """`value` without what cannot be stored: lone surrogates replaced, NUL characters dropped."""
    if isinstance(value, str):
        return _BAD_TEXT_RE.sub(_fix, value) if _BAD_TEXT_RE.search(value) else value
    if isinstance(value, dict):
        return {_repaired(k): _repaired(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_repaired(v) for v in value]
    return value


def text_or_none(value: object, limit: int = 1000) -> str | None:
    """A non-empty string (scalars stringified), truncated to `limit` characters."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value:
        return None
    return value[:limit]


def int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def parse_timestamp(value: object) -> datetime | None:
    """Unix seconds (float, int or numeric string) or RFC 3339; a naive string means UTC."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = float(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def clamp_occurred_at(
    occurred: datetime | None, received_at: datetime, sent_at: datetime | None = None
) -> datetime:
    """Correct clock drift with `sent_at`, then fall back to the receive time for a timestamp
    more than 60 s in the future or more than 30 days old (Sentry's constants)."""
    received = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
    received = received.astimezone(UTC)
    if occurred is None:
        return received
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    if sent_at is not None:
        drift = received - sent_at
        if abs(drift) >= MIN_DRIFT:
            try:
                occurred = occurred + drift
            except OverflowError:
                return received
    if occurred > received + MAX_FUTURE or occurred < received - MAX_AGE:
        return received
    return occurred.astimezone(UTC)


def normalize_tags(value: object) -> tuple[dict[str, str], list[str]]:
    """`{k: v}` or `[[k, v], …]` → `{k: str(v)}`; returns the tags and the dropped keys."""
    if isinstance(value, Mapping):
        pairs: list[Any] = list(value.items())
    elif isinstance(value, list):
        pairs = value
    else:
        return {}, [] if value is None else ["tags"]
    tags: dict[str, str] = {}
    dropped: list[str] = []
    for pair in pairs[: MAX_TAGS * 2]:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            dropped.append("?")
            continue
        key, raw = pair
        if isinstance(raw, bool):
            text: str | None = "true" if raw else "false"
        else:
            text = text_or_none(raw, limit=10_000)
        if not isinstance(key, str) or not _TAG_KEY_RE.fullmatch(key) or text is None:
            dropped.append(str(key)[:32])
            continue
        if len(text) > 200 or "\n" in text or len(tags) >= MAX_TAGS:
            dropped.append(key)
            continue
        tags[key] = text
    return tags, dropped
