"""Hashed n-gram vectors of incidents and their cosine similarity
(docs/WEB.md#similar-incidents).

No model and no pgvector: an incident's text (error type, message, top frame file and
function) is cut into features (words, pairs of neighbouring words, and character trigrams of
each word), each feature hashed (CRC-32) to one of `DIMENSIONS` slots with a sign from another
bit of the hash (the "hashing trick"), weighted, L2-normalised and stored as `DIMENSIONS`
little-endian float16 values (512 bytes) in `incidents.similarity_vector`. Numbers and hex ids
become `0` first, so two occurrences of one error differing only in an id look the same.
Written by hand: it is a few lines, and no maintained library does this without numpy.
"""

from __future__ import annotations

import math
import re
import struct
import zlib

DIMENSIONS = 256
_FORMAT = f"<{DIMENSIONS}e"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_IDS = re.compile(r"\b(?:0x)?[0-9a-fA-F]*[0-9][0-9a-fA-F]*\b")
_SPLIT_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WEIGHTS = {"w": 1.0, "b": 0.7, "c": 0.35}


def words(text: str) -> list[str]:
    """Lower-case words with ids and numbers folded to `0`, camelCase and snake_case split."""
    text = _IDS.sub(" 0 ", text)
    out: list[str] = []
    for raw in _WORD.findall(text):
        for part in _SPLIT_CAMEL.sub("_", raw).split("_"):
            if part:
                out.append(part.lower())
    return out


def _features(text: str) -> list[tuple[str, float]]:
    ws = words(text)
    feats = [("w:" + x, _WEIGHTS["w"]) for x in ws]
    feats += [(f"b:{a} {b}", _WEIGHTS["b"]) for a, b in zip(ws, ws[1:], strict=False)]
    for x in ws:
        padded = f"^{x}$"
        feats += [("c:" + padded[i : i + 3], _WEIGHTS["c"]) for i in range(len(padded) - 2)]
    return feats


def vector(text: str) -> list[float]:
    """The normalised hashed vector of `text` (all zeros for text without words)."""
    v = [0.0] * DIMENSIONS
    for feat, weight in _features(text[:4000]):
        h = zlib.crc32(feat.encode())
        v[h % DIMENSIONS] += weight if h & 0x80000000 else -weight
    norm = math.sqrt(sum(x * x for x in v))
    return [x / norm for x in v] if norm else v


def encode(v: list[float]) -> bytes:
    return struct.pack(_FORMAT, *v)


def decode(raw: bytes | None) -> list[float] | None:
    if raw is None or len(raw) != DIMENSIONS * 2:
        return None
    return list(struct.unpack(_FORMAT, raw))


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine of two normalised vectors (their dot product), clamped to [0, 1]."""
    return max(0.0, min(1.0, sum(x * y for x, y in zip(a, b, strict=True))))


def incident_text(error_type: str, message: str, path: str | None, function: str | None) -> str:
    return " ".join((error_type or "", message or "", path or "", function or ""))


def tsquery_words(text: str, limit: int = 24) -> str:
    """An OR of the text's distinct words for `to_tsquery('simple', …)` (no operators pass)."""
    seen: list[str] = []
    raw = [t.lower() for t in re.findall(r"[A-Za-z][A-Za-z0-9]*", _IDS.sub(" ", text))]
    for word in raw + words(text):
        if word != "0" and len(word) > 1 and word not in seen:
            seen.append(word)
    return " | ".join(f"'{w}'" for w in seen[:limit])
