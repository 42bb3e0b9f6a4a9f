"""The lenient Sentry event model (docs/sentry-protocol.md §5).

An `event` item payload is normalised into a `SentryEvent`. Following Relay and GlitchTip's
"lax" approach, an invalid sub-object is dropped and noted in `errors`, never fatal: only a
payload that is not a JSON object is refused. Shapes accepted, briefly::

    {"event_id": "…", "timestamp": "2026-11-22T01:33:27.950739Z" | 1795311248.806,
     "level": "error", "tags": {"k": "v"} | [["k", "v"]],
     "exception": {"values": [{"type", "value", "mechanism", "stacktrace": {"frames": […]}}]}
                  | [ … ],
     "message": "text" | {"message", "formatted", "params"}, "logentry": {…},
     "user": {"ip_address": "{{auto}}", …}, "contexts": {…}, "extra": {…}, …}
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from railguard.server.errors import BadRequest
from railguard.server.ingest.envelope import normalize_event_id
from railguard.server.ingest.fields import (
    MAX_MESSAGE,
    clamp_occurred_at,
    load_event_json,
    normalize_level,
    normalize_tags,
    parse_timestamp,
)
from railguard.server.ingest.fields import int_or_none as _int
from railguard.server.ingest.fields import text_or_none as _text
from railguard.server.ingest.frames import RawException, RawFrame, keep_newest

__all__ = [
    "MAX_MESSAGE",
    "SentryEvent",
    "clamp_occurred_at",
    "load_event_json",
    "normalize_frame",
    "normalize_sentry_event",
    "normalize_tags",
    "parse_timestamp",
]

MAX_EXCEPTIONS = 50
_TYPE_VALUE_RE = re.compile(r"([A-Za-z_$][\w$.]*(?:::[A-Za-z_]\w*)*): (.*)", re.DOTALL)
_URL_SCHEMES = ("http:", "https:", "file:", "applewebdata:")


@dataclass(slots=True)
class SentryEvent:
    event_id: str
    occurred_at: datetime
    level: str = "error"
    platform: str = "other"
    environment: str = "production"
    release: str | None = None
    dist: str | None = None
    server_name: str | None = None
    transaction: str | None = None
    logger: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    exceptions: list[RawException] = field(default_factory=list)
    """Oldest → newest; the last one is the exception actually raised."""
    stack_frames: list[RawFrame] = field(default_factory=list)
    """A stack not attached to an exception: top-level `stacktrace` or the crashed thread's."""
    message: str | None = None
    """What a person reads: the formatted message when there is one."""
    message_template: str | None = None
    """`logentry.message` / `message.message`: the template, for grouping."""
    grouping_messages: list[str] = field(default_factory=list)
    """Message candidates in the grouping rule's order (template first)."""
    fingerprint: list[Any] | None = None
    user: dict[str, Any] | None = None
    request: dict[str, Any] | None = None
    contexts: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    breadcrumbs: list[Any] = field(default_factory=list)
    sdk: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    """Normalisation notes: `{"name": <field>, "reason": <why dropped>}`."""


def _url_path(value: str) -> str:
    """Relay keeps only the path of `http:`, `https:`, `file:` and `applewebdata:` URLs."""
    if value.startswith(_URL_SCHEMES):
        rest = value.split(":", 1)[1]
        if rest.startswith("//"):
            slash = rest.find("/", 2)
            rest = rest[slash:] if slash >= 0 else "/"
        return rest.split("?", 1)[0].split("#", 1)[0] or value
    return value


def normalize_frame(raw: object) -> RawFrame | None:
    """One Sentry frame dict → `RawFrame`, or None when it is not an object."""
    if not isinstance(raw, dict):
        return None
    abs_path = _text(raw.get("abs_path"), 4096)
    filename = _text(raw.get("filename"), 4096)
    if abs_path is None:
        abs_path = filename
    if filename is None and abs_path is not None:
        filename = _url_path(abs_path)
    in_app = raw.get("in_app")
    return RawFrame(
        filename=filename,
        abs_path=abs_path,
        module=_text(raw.get("module")),
        function=_text(raw.get("function")),
        lineno=_int(raw.get("lineno")),
        colno=_int(raw.get("colno")),
        in_app=in_app if isinstance(in_app, bool) else None,
        context_line=_text(raw.get("context_line"), 1000),
        pre_context=_lines(raw.get("pre_context")),
        post_context=_lines(raw.get("post_context")),
        platform=_text(raw.get("platform"), 50),
    )


def _lines(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [line[:1000] for line in value[:10] if isinstance(line, str)]


def _frames(stacktrace: object) -> list[RawFrame] | None:
    """`{"frames": [...]}` → frames (invalid ones dropped); None when the shape is wrong."""
    if not isinstance(stacktrace, dict):
        return None
    frames = stacktrace.get("frames")
    if not isinstance(frames, list):
        return None
    result = [f for f in map(normalize_frame, frames) if f is not None]
    return keep_newest(result)


def _values(value: object) -> list[Any] | None:
    """`{"values": [...]}` or a bare list (Go may send `{}`) → list; None when invalid."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        inner = value.get("values")
        if isinstance(inner, list):
            return inner
        if "type" in value or "value" in value:  # a lone exception object
            return [value]
        return [] if not value or inner is None else None
    return None


def _exception(raw: object) -> RawException | None:
    if not isinstance(raw, dict):
        return None
    type_ = _text(raw.get("type"), 1000)
    value = _text(raw.get("value"), MAX_MESSAGE)
    mechanism = raw.get("mechanism") if isinstance(raw.get("mechanism"), dict) else None
    synthetic = bool(mechanism and mechanism.get("synthetic") is True)
    if type_ is None and value is not None and not synthetic:
        match = _TYPE_VALUE_RE.fullmatch(value)
        if match:  # Relay splits "Word: rest" into type and value
            type_, value = match.group(1), match.group(2)
    if type_ and value:
        value = _strip_ruby_suffix(value, type_)
    if type_ is None and value is None and not raw.get("stacktrace"):
        return None
    return RawException(
        type=type_,
        value=value,
        module=_text(raw.get("module")),
        mechanism=mechanism,
        synthetic=synthetic,
        frames=_frames(raw.get("stacktrace")) or [],
    )


def _strip_ruby_suffix(value: str, type_: str) -> str:
    """Ruby's `detailed_message` ends the first line with ` (NoMethodError)`: drop it."""
    first, sep, rest = value.partition("\n")
    suffix = f" ({type_})"
    if first.endswith(suffix) and len(first) > len(suffix):
        return first[: -len(suffix)] + sep + rest
    return value


def _messages(payload: dict[str, Any]) -> tuple[str | None, str | None, list[str]]:
    """(display message, template, grouping candidates in order)."""
    logentry = payload.get("logentry")
    message = payload.get("message")
    le = logentry if isinstance(logentry, dict) else {}
    msg = message if isinstance(message, dict) else {}
    candidates = [
        _text(le.get("message"), MAX_MESSAGE),
        _text(le.get("formatted"), MAX_MESSAGE),
        _text(msg.get("message"), MAX_MESSAGE),
        _text(msg.get("formatted"), MAX_MESSAGE),
        _text(message, MAX_MESSAGE) if isinstance(message, str) else None,
    ]
    template = candidates[0] or candidates[2]
    display = candidates[1] or candidates[3] or candidates[4] or candidates[0] or candidates[2]
    return display, template, [c for c in candidates if c]


def _fingerprint(value: object) -> list[Any] | None:
    if not isinstance(value, list) or not value or len(value) > 100:
        return None
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return None
    return list(value)


def _thread_frames(payload: dict[str, Any]) -> list[RawFrame]:
    top = _frames(payload.get("stacktrace"))
    if top:
        return top
    threads = _values(payload.get("threads")) or []
    chosen: list[RawFrame] = []
    for thread in threads:
        if not isinstance(thread, dict):
            continue
        frames = _frames(thread.get("stacktrace"))
        if not frames:
            continue
        if thread.get("crashed") is True or thread.get("current") is True:
            return frames
        chosen = chosen or frames
    return chosen


def normalize_sentry_event(
    payload: dict[str, Any],
    *,
    envelope_headers: dict[str, Any] | None,
    received_at: datetime,
    client_ip: str | None,
) -> SentryEvent:
    """Normalise one Sentry event payload; see the module docstring for the shapes."""
    if not isinstance(payload, dict):
        raise BadRequest("event payload is not a JSON object")
    headers = envelope_headers if isinstance(envelope_headers, dict) else {}
    errors: list[dict[str, str]] = []

    def drop(name: str, reason: str) -> None:
        if len(errors) < 100:
            errors.append({"name": name, "reason": reason})

    event_id = normalize_event_id(headers.get("event_id")) or normalize_event_id(
        payload.get("event_id")
    )
    if event_id is None:
        if payload.get("event_id") is not None:
            drop("event_id", "invalid")
        event_id = uuid.uuid4().hex

    occurred = parse_timestamp(payload.get("timestamp"))
    if occurred is None and payload.get("timestamp") is not None:
        drop("timestamp", "invalid")
    occurred_at = clamp_occurred_at(occurred, received_at, parse_timestamp(headers.get("sent_at")))

    level = normalize_level(payload.get("level"))
    if level is None:
        drop("level", "unknown")
        level = "error"

    tags, dropped_tags = normalize_tags(payload.get("tags"))
    for key in dropped_tags[:20]:
        drop(f"tags.{key}", "invalid")

    exceptions: list[RawException] = []
    raw_exc = payload.get("exception")
    if raw_exc is not None:
        values = _values(raw_exc)
        if values is None:
            drop("exception", "invalid")
            values = []
        for item in values[-MAX_EXCEPTIONS:]:
            exc = _exception(item)
            if exc is None:
                drop("exception.values", "invalid")
            else:
                exceptions.append(exc)

    display, template, candidates = _messages(payload)

    user = payload.get("user")
    if isinstance(user, dict):
        user = dict(user)
        if user.get("ip_address") == "{{auto}}":
            if client_ip:
                user["ip_address"] = client_ip
            else:
                del user["ip_address"]
    elif user is not None:
        drop("user", "invalid")
        user = None

    request = payload.get("request")
    if request is not None and not isinstance(request, dict):
        drop("request", "invalid")
        request = None

    breadcrumbs = _values(payload.get("breadcrumbs"))
    fingerprint = _fingerprint(payload.get("fingerprint"))
    if fingerprint is None and payload.get("fingerprint") is not None:
        drop("fingerprint", "invalid")

    def obj(name: str) -> dict[str, Any]:
        value = payload.get(name)
        if isinstance(value, dict):
            return value
        if value is not None:
            drop(name, "invalid")
        return {}

    sdk = payload.get("sdk")
    return SentryEvent(
        event_id=event_id,
        occurred_at=occurred_at,
        level=level,
        platform=(_text(payload.get("platform"), 50) or "other").lower(),
        environment=_text(payload.get("environment"), 200) or "production",
        release=_text(payload.get("release"), 200),
        dist=_text(payload.get("dist"), 64),
        server_name=_text(payload.get("server_name"), 200),
        transaction=_text(payload.get("transaction"), 200),
        logger=_text(payload.get("logger"), 200),
        tags=tags,
        exceptions=exceptions,
        stack_frames=_thread_frames(payload),
        message=display,
        message_template=template,
        grouping_messages=candidates,
        fingerprint=fingerprint,
        user=user,
        request=request,
        contexts=obj("contexts"),
        extra=obj("extra"),
        breadcrumbs=breadcrumbs or [],
        sdk=sdk if isinstance(sdk, dict) else None,
        errors=errors,
    )
