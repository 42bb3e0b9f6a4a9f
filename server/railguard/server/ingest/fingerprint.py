"""Grouping rule v1 (docs/sentry-protocol.md §9): stable across commits and deploys.

The key never contains line or column numbers, `abs_path` directories, `context_line`,
release, environment, server, timestamps, event ids, or raw numbers and ids from messages.

Parts, in order of preference:

- a client fingerprint (non-empty list of scalars), with `{{ default }}` and variables;
- `["exc", type, ["location|function", …]]` per non-synthetic exception (last 5);
- `["msg", normalize(template or message)]`;
- `["fallback", logger, transaction]`.

The hash is SHA-256 of the compact canonical JSON of `["v1", parts]`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from railguard.server.ingest.frames import RawException, RawFrame

__all__ = [
    "GROUPING_VERSION",
    "Grouping",
    "clean_function",
    "compute_grouping",
    "normalize_message",
]

GROUPING_VERSION = 1
_MAX_EXCEPTIONS = 5
_MAX_NORMALIZED = 1024
_JS_PLATFORMS = frozenset({"javascript", "node", "typescript"})

_VARIABLE_RE = re.compile(r"\{\{\s*([A-Za-z_][\w.\-]*)\s*\}\}")
_BUNDLE_HASH_RE = re.compile(r"(?<=[._-])(?=[A-Za-z0-9_-]{0,19}\d)[A-Za-z0-9_-]{8,20}(?=\.)")
_JS_AS_RE = re.compile(r"\s*\[as [^\]]*\]$")
_RUBY_BLOCK_RE = re.compile(r"^block (?:\(\d+ levels\) )?in ")
_RUBY_ERB_RE = re.compile(r"__-?\d+_-?\d+$")

# Sentry-style parameterization; order matters (email before url, uuid before hex, …).
_PARAMETERS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")),
    ("url", re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s\"'<>()\[\]{}]+")),
    (
        "uuid",
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
    ),
    ("sha1", re.compile(r"\b[0-9a-fA-F]{40}\b")),
    ("md5", re.compile(r"\b[0-9a-fA-F]{32}\b")),
    (
        "date",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
        ),
    ),
    (
        "ip",
        re.compile(
            r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
            r"|\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b"
            r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){1,6}(?::[0-9a-fA-F]{1,4}){1,6}(?![\w:])"
            r"|(?<![\w:])::(?:ffff:)?[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*(?![\w:.])"
        ),
    ),
    ("hex", re.compile(r"\b0[xX][0-9a-fA-F]+\b")),
    # a unit may follow a float ("1.25s"), but not another ".": versions stay <int>.<int>.<int>
    ("float", re.compile(r"(?<![\w.])\d+\.\d+(?:[eE][+-]?\d+)?(?![.\d])")),
    # a unit may follow an int too ("30s", "512MB", "3x"), as may an ordinal ("2nd")
    ("int", re.compile(r"(?<![\w.])\d+(?=[A-Za-z]{0,3}\b)(?![.\d])|\b\d+\b")),
]


@dataclass(frozen=True, slots=True)
class Grouping:
    version: int
    hash: str
    parts: list[Any]


def _truncate_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def normalize_message(text: str | None) -> str:
    """First 2 non-empty lines, parameterized (`<int>`, `<uuid>`, …), capped at 1 KiB."""
    if not text:
        return ""
    lines: list[str] = []
    for line in text[:65536].splitlines():
        line = line.strip()
        if line:
            lines.append(line)
            if len(lines) == 2:
                break
    result = _truncate_utf8("\n".join(lines), 4 * _MAX_NORMALIZED)
    for name, pattern in _PARAMETERS:
        result = pattern.sub(f"<{name}>", result)
    return _truncate_utf8(result, _MAX_NORMALIZED)


def _basename(path: str) -> str:
    path = path.split("?", 1)[0].split("#", 1)[0].replace("\\", "/").rstrip("/")
    base = path.rsplit("/", 1)[-1].lower()
    return _BUNDLE_HASH_RE.sub("<hash>", base)


def _frame_platform(frame: RawFrame, platform: str | None) -> str:
    return (frame.platform or platform or "").lower()


def _location(frame: RawFrame, platform: str) -> str:
    module = frame.module
    if module and not (platform in _JS_PLATFORMS and "/" in module):
        return module
    path = frame.filename or frame.abs_path
    return _basename(path) if path else ""


def clean_function(function: str | None, platform: str) -> str:
    """JS: drop `[as x]`, keep the last `.` segment, `?`/`<anonymous>` → "". Ruby: `block in
    x` → `block`, ERB suffixes stripped."""
    if not function:
        return ""
    if platform in _JS_PLATFORMS:
        function = _JS_AS_RE.sub("", function).rsplit(".", 1)[-1]
        return "" if function in ("?", "<anonymous>") else function
    if platform == "ruby":
        if _RUBY_BLOCK_RE.match(function):
            return "block"
        return _RUBY_ERB_RE.sub("", function)
    return function


def _collapse(tokens: list[str]) -> list[str]:
    """Adjacent duplicates collapse, so recursion depth does not split a group."""
    result: list[str] = []
    for token in tokens:
        if not result or result[-1] != token:
            result.append(token)
    return result


def _chosen_frames(exc: RawException, any_in_app: bool) -> list[RawFrame]:
    return [f for f in exc.frames if f.in_app] if any_in_app else list(exc.frames)


def _is_unsymbolicated_browser(frames: list[RawFrame]) -> bool:
    """Minified browser JS without source maps: every frame is an http(s) URL with a function
    name of ≤ 2 characters, so the frames carry no stable information."""
    return bool(frames) and all(
        (f.abs_path or f.filename or "").lower().startswith(("http://", "https://"))
        and len(f.function or "") <= 2
        for f in frames
    )


def _default_parts(
    exceptions: Sequence[RawException],
    messages: Sequence[str | None],
    platform: str | None,
    logger: str | None,
    transaction: str | None,
) -> list[Any]:
    real = [e for e in exceptions if not e.synthetic][-_MAX_EXCEPTIONS:]
    if real:
        any_in_app = any(f.in_app is True for e in exceptions for f in e.frames)
        parts: list[Any] = []
        for exc in real:
            frames = _chosen_frames(exc, any_in_app)
            tokens: list[str] = []
            if not _is_unsymbolicated_browser(frames):
                for frame in frames:
                    fp = _frame_platform(frame, platform)
                    token = f"{_location(frame, fp)}|{clean_function(frame.function, fp)}"
                    if token != "|":  # a frame with no location and no function says nothing
                        tokens.append(token)
            tokens = _collapse(tokens)
            if tokens:
                parts.append(["exc", exc.type or "", tokens])
            else:
                parts.append(["exc", exc.type or "", normalize_message(exc.value)])
        return parts
    candidates = [*messages, exceptions[-1].value if exceptions else None]
    text = next((m for m in candidates if m and m.strip()), None)
    if text is not None:
        return [["msg", normalize_message(text)]]
    return [["fallback", logger or "", transaction or ""]]


def _top_frame(exceptions: Sequence[RawException]) -> RawFrame | None:
    """The newest chosen frame of the raised exception, for `{{ function }}`/`{{ module }}`."""
    real = [e for e in exceptions if not e.synthetic] or list(exceptions)
    if not real:
        return None
    any_in_app = any(f.in_app is True for e in exceptions for f in e.frames)
    frames = _chosen_frames(real[-1], any_in_app)
    return frames[-1] if frames else None


def _scalar(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def compute_grouping(
    *,
    exceptions: Sequence[RawException] = (),
    messages: Sequence[str | None] = (),
    fingerprint: Sequence[object] | None = None,
    platform: str | None = None,
    logger: str | None = None,
    transaction: str | None = None,
    level: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> Grouping:
    """Group key of one event. `exceptions` are oldest → newest with frames oldest → newest;
    `messages` are the grouping rule's message candidates in preference order (template first)."""
    platform = (platform or "").lower() or None
    default = _default_parts(exceptions, messages, platform, logger, transaction)
    values = [_scalar(v) for v in fingerprint] if fingerprint else []
    if values and all(v is not None for v in values):
        top = _top_frame(exceptions)
        real = [e for e in exceptions if not e.synthetic] or list(exceptions)
        fp = _frame_platform(top, platform) if top else (platform or "")
        variables: dict[str, str] = {
            "transaction": transaction or "",
            "type": (real[-1].type or "") if real else "",
            "function": clean_function(top.function, fp) if top else "",
            "module": _location(top, fp) if top else "",
            "level": level or "",
            "logger": logger or "",
        }
        parts: list[Any] = []
        for value in values:
            assert value is not None
            match = _VARIABLE_RE.fullmatch(value.strip())
            name = match.group(1).lower() if match else None
            if name == "default":
                parts.extend(default)
            elif name is not None and name in variables:
                parts.append(variables[name])
            elif name is not None and name.startswith("tags."):
                parts.append((tags or {}).get(match.group(1)[5:], "") if match else "")
            else:
                parts.append(value)
    else:
        parts = default
    canonical = json.dumps(["v1", parts], separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Grouping(version=GROUPING_VERSION, hash=digest, parts=parts)
