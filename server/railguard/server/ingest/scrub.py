"""PII scrubbing before anything is stored (performance-and-reliability §6, "Data hygiene").

`scrub(payload)` returns a scrubbed deep copy:

- the value of any key that contains password, passwd, secret, api_key/apikey, auth,
  credentials, mysql_pwd, private_key, token, cookie or session (case-insensitive, `-` read
  as `_`) becomes `"[Filtered]"`; this covers the `Authorization`, `Cookie`, `Set-Cookie` and
  `X-Sentry-Auth` request headers, also when headers come as `[[name, value], …]`;
- inside strings: `Bearer <token>`, Luhn-valid card numbers (13–19 digits, spaces or dashes
  allowed), URL userinfo passwords and PEM private keys are replaced.

Stack frame identity (function names, paths, modules) is never touched, so grouping and the
editor's line mapping keep working. Nesting deeper than `MAX_DEPTH` is cut off.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["FILTERED", "MAX_DEPTH", "scrub", "scrub_string"]

FILTERED = "[Filtered]"
MAX_DEPTH = 32
_TRUNCATED = "[depth limit]"

_SENSITIVE_KEY_RE = re.compile(
    r"password|passwd|secret|api_key|apikey|auth|credentials|mysql_pwd|private_key|privatekey"
    r"|token|cookie|session"
)
# Keys whose values are code identity or ids: never rewritten by the string rules.
_SKIP_VALUE_KEYS = frozenset(
    {
        "function",
        "raw_function",
        "symbol",
        "module",
        "package",
        "filename",
        "abs_path",
        "event_id",
        "trace_id",
        "span_id",
        "parent_span_id",
        "timestamp",
        "start_timestamp",
        "sent_at",
        "release",
        "dist",
    }
)

_BEARER_RE = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*")
_CARD_RE = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_CARD_HINT_RE = re.compile(r"\d(?:[ -]?\d){12}")  # cheap pre-check before the Luhn pass
_USERINFO_RE = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]{0,20}://[^:/@\s]{0,256}):[^@/\s]{1,256}@")
_PEM_RE = re.compile(
    r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----.*?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)",
    re.DOTALL,
)


def _sensitive(key: str) -> bool:
    # Keys repeat endlessly (headers, vars); cache short ones so the cache stays small.
    return _sensitive_short(key) if len(key) <= 64 else _match_key(key)


@functools.lru_cache(maxsize=4096)
def _sensitive_short(key: str) -> bool:
    return _match_key(key)


def _match_key(key: str) -> bool:
    return bool(_SENSITIVE_KEY_RE.search(key.lower().replace("-", "_")))


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return FILTERED if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def scrub_string(text: str) -> str:
    """Apply the value rules (bearer tokens, cards, URL passwords, PEM keys) to one string."""
    if "PRIVATE KEY-----" in text:
        text = _PEM_RE.sub(FILTERED, text)
    if "earer" in text or "EARER" in text:
        text = _BEARER_RE.sub(f"Bearer {FILTERED}", text)
    if "://" in text:
        text = _USERINFO_RE.sub(rf"\1:{FILTERED}@", text)
    if _CARD_HINT_RE.search(text):
        text = _CARD_RE.sub(_card, text)
    return text


def scrub(payload: Any, *, _depth: int = 0) -> Any:
    """A scrubbed deep copy of a JSON-like value (dicts, lists, scalars)."""
    if _depth > MAX_DEPTH:
        return _TRUNCATED
    if isinstance(payload, dict):
        result: dict[str, Any] = {}
        for key, value in payload.items():
            name = str(key)
            if _sensitive(name) and value is not None:
                result[name] = FILTERED
            elif name in _SKIP_VALUE_KEYS:
                result[name] = scrub(value, _depth=_depth + 1) if _container(value) else value
            else:
                result[name] = scrub(value, _depth=_depth + 1)
        return result
    if isinstance(payload, list | tuple):
        items = []
        for item in payload:
            # [[name, value], …] pairs (request headers, cookies, tags): judge by name.
            if (
                isinstance(item, list | tuple)
                and len(item) == 2
                and isinstance(item[0], str)
                and _sensitive(item[0])
                and item[1] is not None
            ):
                items.append([item[0], FILTERED])
            else:
                items.append(scrub(item, _depth=_depth + 1))
        return items
    if isinstance(payload, str):
        return scrub_string(payload)
    return payload


def _container(value: object) -> bool:
    return isinstance(value, dict | list | tuple)
