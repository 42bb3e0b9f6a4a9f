"""Sentry envelope framing (docs/sentry-protocol.md §4).

Grammar: `Envelope = Headers { "\\n" Item } [ "\\n" ]`, `Item = Headers "\\n" Payload`.
An envelope looks like this (Python SDK, lengths given; Node omits them)::

    {"event_id":"e8a5…","sent_at":"2026-11-22T01:33:27.964609Z"}
    {"type":"event","length":889}
    {"event_id":"e8a5…","exception":{…}}

The parser only frames: payloads stay bytes, and unknown item types are kept so that the
caller can skip them (the spec says they must be skipped gracefully, never fatal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from railguard.server.errors import BadRequest

__all__ = ["Envelope", "EnvelopeItem", "normalize_event_id", "parse_envelope"]

_MAX_ITEMS = 10_000
"""Framing cost guard; real SDKs send a handful of items."""
_HEX = frozenset("0123456789abcdef")


@dataclass(slots=True)
class EnvelopeItem:
    """One item: its header object and its raw payload bytes (`\\r` included)."""

    headers: dict[str, Any]
    payload: bytes

    @property
    def type(self) -> str:
        """The item type (`event`, `session`, …), `""` if the header has no string type."""
        value = self.headers.get("type")
        return value if isinstance(value, str) else ""


@dataclass(slots=True)
class Envelope:
    headers: dict[str, Any]
    items: list[EnvelopeItem] = field(default_factory=list)

    @property
    def event_id(self) -> str | None:
        """The envelope header's `event_id`, normalised, or None."""
        return normalize_event_id(self.headers.get("event_id"))


def _parse_header(line: bytes, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise BadRequest(f"invalid JSON in {what}") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{what} is not a JSON object")
    return value


def parse_envelope(data: bytes) -> Envelope:
    """Split an envelope into its header and items; malformed framing is a `BadRequest`."""
    if not data.strip():
        raise BadRequest("empty envelope")
    end = data.find(b"\n")
    if end < 0:
        end = len(data)
    envelope = Envelope(_parse_header(data[:end], "envelope header"))
    pos = end + 1
    size = len(data)
    while pos < size:
        end = data.find(b"\n", pos)
        if end < 0:
            end = size
        line = data[pos:end]
        if not line.strip():
            # Blank lines are skipped where an item header is expected (this also covers the
            # optional trailing newline).
            pos = end + 1
            continue
        index = len(envelope.items) + 1
        if index > _MAX_ITEMS:
            raise BadRequest(f"envelope has more than {_MAX_ITEMS} items")
        headers = _parse_header(line, f"item {index} header")
        if not isinstance(headers.get("type"), str) or not headers["type"]:
            raise BadRequest(f"item {index} header has no type")
        pos = min(end + 1, size)
        length = headers.get("length")
        if length is not None:
            if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                raise BadRequest(f"item {index} has an invalid length")
            if pos + length > size:
                raise BadRequest(f"item {index} is shorter than its length")
            payload = data[pos : pos + length]
            pos += length
            if pos < size:
                if data[pos] != 0x0A:
                    raise BadRequest(f"item {index} payload is not followed by a newline")
                pos += 1
        elif pos >= size:
            payload = b""  # header at EOF: a zero-length item
        else:
            end = data.find(b"\n", pos)
            if end < 0:
                end = size
            payload = data[pos:end]
            pos = end + 1
        envelope.items.append(EnvelopeItem(headers, payload))
    return envelope


def normalize_event_id(value: object) -> str | None:
    """32 hex or dashed UUID (any case, optional braces) → 32 lowercase hex, else None.

    The nil UUID is refused too: receipts deduplicate on the id, so accepting it would merge
    every such event into one.
    """
    if not isinstance(value, str) or len(value) > 40:
        return None
    text = value.strip().lower()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if len(text) == 36 and all(text[i] == "-" for i in (8, 13, 18, 23)):
        text = text.replace("-", "")
    if len(text) != 32 or not set(text) <= _HEX or text == "0" * 32:
        return None
    return text
