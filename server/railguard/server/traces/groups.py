"""Span groups: which spans are "the same" for the slowest-spans table (pure).

A group is the span's op and its description with literals replaced: numbers, quoted strings,
hex ids and UUIDs become `?`, runs of `?, ?` in lists collapse, whitespace is squeezed, and the
result is cut to 200 characters. `SELECT * FROM orders WHERE id = 42` and `... id = 43` are one
group; a URL path `/orders/42` becomes `/orders/?`.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_GROUP = 200
_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_HEX = re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}\b")
_QUOTED = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w$])-?\d+(?:\.\d+)?\b")
_LIST = re.compile(r"\?(?:\s*,\s*\?)+")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def normalize(description: str) -> str:
    text = _UUID.sub("?", description)
    text = _HEX.sub("?", text)
    text = _QUOTED.sub("?", text)
    text = _NUMBER.sub("?", text)
    text = _LIST.sub("?, …", text)
    return _SPACE.sub(" ", text).strip()[:MAX_GROUP]
