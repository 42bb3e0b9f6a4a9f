"""Trace and span ids: validation and the compact stored forms (pure).

Trace ids (16 bytes) are stored as `uuid`, span ids (8 bytes) as a signed `bigint`: half the
bytes of their hex text, on every span row.
"""

from __future__ import annotations

import re
import uuid

_HEX = re.compile(r"^[0-9a-f]+$")


def trace_id(value: object) -> str | None:
    """A 32-hex trace id (dashes tolerated), lowercased; None if it is not one or all zero."""
    if not isinstance(value, str):
        return None
    text = value.replace("-", "").lower()
    if len(text) != 32 or not _HEX.match(text) or text == "0" * 32:
        return None
    return text


def span_id(value: object) -> str | None:
    """A 16-hex span id, lowercased; None if it is not one or all zero."""
    if not isinstance(value, str):
        return None
    text = value.lower()
    if len(text) != 16 or not _HEX.match(text) or text == "0" * 16:
        return None
    return text


def trace_uuid(hex32: str) -> uuid.UUID:
    return uuid.UUID(hex=hex32)


def span_int(hex16: str) -> int:
    value = int(hex16, 16)
    return value - (1 << 64) if value >= 1 << 63 else value


def span_hex(value: int) -> str:
    return format(value & ((1 << 64) - 1), "016x")
