"""The composition the ingest views call: one payload in, one `ProcessedEvent` out.

`process_sentry_event` takes a parsed `event` item payload (with its envelope headers);
`process_native_event` takes a validated native API body. Both normalise, reduce frame paths
with the project's rules, compute the v1 grouping key, detect the commit and scrub the stored
payload. Per-event size caps are the caller's job (on the raw item bytes); here every stored
string and list is bounded.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from railguard.server.ingest.commit import commit_from
from railguard.server.ingest.envelope import normalize_event_id
from railguard.server.ingest.event import (
    MAX_MESSAGE,
    SentryEvent,
    clamp_occurred_at,
    normalize_sentry_event,
    normalize_tags,
)
from railguard.server.ingest.fingerprint import Grouping, compute_grouping
from railguard.server.ingest.frames import RawException, RawFrame, keep_newest
from railguard.server.ingest.jsmaps import MapOutcome, MapRequest, apply_maps, requests_for
from railguard.server.ingest.paths import guess_in_app, reduce_path
from railguard.server.ingest.scrub import (
    DEFAULT_POLICY,
    ScrubPolicy,
    scrub,
    scrub_string,
    scrub_to_json,
)
from railguard.server.ingest.stacktrace_text import parse_stack_trace
from railguard.wire.models import CommitSource, Frame, NativeEvent, NativeFrame, PathRule

__all__ = [
    "ProcessedEvent",
    "SourceMapJob",
    "finish_source_maps",
    "process_native_event",
    "process_sentry_event",
    "to_wire_frames",
]

_MAX_TYPE = 1000


@dataclass(frozen=True, slots=True)
class SourceMapJob:
    """What `finish_source_maps` needs to redo frames and grouping once maps are looked up."""

    event: SentryEvent
    frames: list[RawFrame]
    path_rules: Sequence[PathRule]
    requests: list[MapRequest]


@dataclass(frozen=True, slots=True)
class ProcessedEvent:
    event_id: str
    """32 lowercase hex."""
    occurred_at: datetime
    """UTC."""
    level: str
    error_type: str
    message: str
    platform: str
    environment: str
    release: str | None
    commit_sha: str | None
    commit_source: str
    deployment_id: str | None
    tags: dict[str, str]
    stack: list[Frame]
    """Oldest → newest frames of the exception actually raised (the last one)."""
    top_frame: Frame | None
    """The newest in-app frame with a path or original path, else the newest frame."""
    fingerprint: str
    grouping_version: int
    grouping_parts: list[Any]
    payload: dict[str, Any]
    """The scrubbed event as received (ids normalised), for the event detail view."""
    payload_json: bytes | None = None
    """`payload` as orjson wrote it, when scrubbing already had it (else the writer encodes)."""
    source_maps: SourceMapJob | None = None
    """Set when bundled JavaScript frames want source maps: the ingest view looks them up
    and calls `finish_source_maps` before storing (docs/source-maps.md)."""


def to_wire_frames(
    frames: Sequence[RawFrame], *, platform: str | None, rules: Sequence[PathRule]
) -> list[Frame]:
    """Raw frames → wire `Frame`s with repository paths (at most the newest 250)."""
    result: list[Frame] = []
    for frame in keep_newest(list(frames)):
        fp = frame.platform or platform
        path, original = reduce_path(
            filename=frame.filename,
            abs_path=frame.abs_path,
            module=frame.module,
            platform=fp,
            rules=rules,
        )
        result.append(
            Frame(
                path=path,
                original_path=original,
                module=frame.module,
                function=frame.function,
                line=frame.lineno,
                column=frame.colno,
                in_app=frame.in_app is True,
                context_line=frame.context_line,
                pre_context=list(frame.pre_context),
                post_context=list(frame.post_context),
                mapping=frame.mapping,
            )
        )
    return result


def _top_frame(stack: list[Frame]) -> Frame | None:
    for frame in reversed(stack):
        if frame.in_app and (frame.path or frame.original_path):
            return frame
    return stack[-1] if stack else None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _scrubbed_tags(tags: dict[str, str], policy: ScrubPolicy) -> dict[str, str]:
    scrubbed: dict[str, str] = scrub(tags, policy)
    return scrubbed


def _raised(event: SentryEvent) -> tuple[str, str, list[RawFrame]]:
    """(error type, message, frames) of the exception actually raised, or of the message."""
    real = [e for e in event.exceptions if not e.synthetic]
    last = event.exceptions[-1] if event.exceptions else None
    frames = list(last.frames) if last and last.frames else list(event.stack_frames)
    if real:
        exc = real[-1]
        message = exc.value or event.message or ""
        return exc.type or "", message, frames
    # A message event (possibly with a synthetic exception carrying the stack).
    message = event.message or (last.value if last else None) or ""
    return "", message, frames


def process_sentry_event(
    payload: dict[str, Any],
    *,
    envelope_headers: dict[str, Any] | None,
    received_at: datetime,
    client_ip: str | None,
    path_rules: Sequence[PathRule],
    scrub_policy: ScrubPolicy = DEFAULT_POLICY,
) -> ProcessedEvent:
    """Normalise, group and scrub one Sentry `event` payload."""
    event = normalize_sentry_event(
        payload, envelope_headers=envelope_headers, received_at=received_at, client_ip=client_ip
    )
    error_type, message, raw_frames = _raised(event)
    stack = to_wire_frames(raw_frames, platform=event.platform, rules=path_rules)
    grouping = _sentry_grouping(event, event.exceptions)
    every_frame = [f for e in event.exceptions for f in e.frames] + raw_frames
    requests = requests_for(every_frame, event.platform, payload)
    job = SourceMapJob(event, raw_frames, path_rules, requests) if requests else None
    commit = commit_from(native_sha=None, release=event.release, tags=event.tags)
    stored = dict(payload)
    stored["event_id"] = event.event_id
    if event.user is not None:
        stored["user"] = event.user  # with "{{auto}}" resolved
    if event.errors:
        previous = stored.get("errors")
        stored["errors"] = [*(previous if isinstance(previous, list) else []), *event.errors]
    return _processed(
        event_id=event.event_id, occurred_at=event.occurred_at, level=event.level,
        error_type=error_type[:_MAX_TYPE], message=message[:MAX_MESSAGE], platform=event.platform,
        environment=event.environment, release=event.release, commit=commit, deployment_id=None,
        tags=event.tags, stack=stack, grouping=grouping, stored=stored, policy=scrub_policy,
        source_maps=job,
    )  # fmt: skip


def _sentry_grouping(event: SentryEvent, exceptions: Sequence[RawException]) -> Grouping:
    return compute_grouping(
        exceptions=exceptions,
        messages=event.grouping_messages,
        fingerprint=event.fingerprint,
        platform=event.platform,
        logger=event.logger,
        transaction=event.transaction,
        level=event.level,
        tags=event.tags,
    )


def finish_source_maps(
    processed: ProcessedEvent, outcomes: Mapping[str, MapOutcome]
) -> ProcessedEvent:
    """`processed` with its JavaScript frames mapped (or marked unmapped) and grouped again on
    the mapped frames, so a new bundle of the same code joins the same incident."""
    job = processed.source_maps
    if job is None:
        return processed
    event = job.event
    done: dict[tuple[int, ...], list[RawFrame]] = {}  # the raised stack is also an exception's

    def mapped(frames: list[RawFrame]) -> list[RawFrame]:
        key = tuple(map(id, frames))
        if key not in done:
            done[key] = apply_maps(
                frames, event.platform, job.requests, outcomes, release=event.release
            )
        return done[key]

    exceptions = [replace(e, frames=mapped(e.frames)) for e in event.exceptions]
    stack = to_wire_frames(mapped(job.frames), platform=event.platform, rules=job.path_rules)
    grouping = _sentry_grouping(event, exceptions)
    return replace(
        processed, stack=stack, top_frame=_top_frame(stack), fingerprint=grouping.hash,
        grouping_version=grouping.version, grouping_parts=grouping.parts, source_maps=None,
    )  # fmt: skip


def _native_frame(frame: NativeFrame) -> RawFrame:
    return RawFrame(
        filename=frame.filename,
        abs_path=frame.abs_path,
        module=frame.module,
        function=frame.function,
        lineno=frame.lineno,
        colno=frame.colno,
        in_app=frame.in_app,
        context_line=frame.context_line,
        pre_context=list(frame.pre_context),
        post_context=list(frame.post_context),
    )


def process_native_event(
    event: NativeEvent,
    *,
    received_at: datetime,
    path_rules: Sequence[PathRule],
    scrub_policy: ScrubPolicy = DEFAULT_POLICY,
) -> ProcessedEvent:
    """Group and scrub one native API event. Structured `frames` win over `stack_trace`."""
    parsed = parse_stack_trace(event.stack_trace, event.platform) if event.stack_trace else None
    platform = (event.platform or (parsed.platform if parsed else None) or "other").lower()
    if event.frames:
        frames = [_native_frame(f) for f in event.frames]
    else:
        frames = list(parsed.frames) if parsed else []
    frames = keep_newest(frames)
    for frame in frames:
        if frame.in_app is None:
            frame.in_app = guess_in_app(
                filename=frame.filename,
                abs_path=frame.abs_path,
                module=frame.module,
                platform=frame.platform or platform,
            )
    error_type = (event.error_type or (parsed.error_type if parsed else None) or "")[:_MAX_TYPE]
    message = (event.message or (parsed.message if parsed else None) or "")[:MAX_MESSAGE]
    tags, _ = normalize_tags(dict(event.tags))
    exceptions = (
        [RawException(type=error_type or None, value=message or None, frames=frames)]
        if frames or error_type
        else []
    )
    grouping = compute_grouping(
        exceptions=exceptions,
        messages=[message],
        fingerprint=event.fingerprint,
        platform=platform,
        level=event.level,
        tags=tags,
    )
    commit = commit_from(native_sha=event.commit_sha, release=event.release, tags=tags)
    event_id = normalize_event_id(event.event_id) or uuid.uuid4().hex
    occurred = _utc(event.occurred_at) if event.occurred_at else None
    stack = to_wire_frames(frames, platform=platform, rules=path_rules)
    stored = event.model_dump(mode="json")
    stored["event_id"] = event_id
    return _processed(
        event_id=event_id, occurred_at=clamp_occurred_at(occurred, received_at), level=event.level,
        error_type=error_type, message=message, platform=platform, environment=event.environment,
        release=event.release, commit=commit, deployment_id=event.deployment_id, tags=tags,
        stack=stack, grouping=grouping, stored=stored, policy=scrub_policy,
    )  # fmt: skip


def _processed(
    *,
    event_id: str,
    occurred_at: datetime,
    level: str,
    error_type: str,
    message: str,
    platform: str,
    environment: str,
    release: str | None,
    commit: tuple[str | None, CommitSource],
    deployment_id: str | None,
    tags: dict[str, str],
    stack: list[Frame],
    grouping: Grouping,
    stored: dict[str, Any],
    policy: ScrubPolicy,
    source_maps: SourceMapJob | None = None,
) -> ProcessedEvent:
    """The stored form of an event: message, tags and payload scrubbed, top frame picked."""
    scrubbed, scrubbed_json = scrub_to_json(stored, policy)
    return ProcessedEvent(
        event_id=event_id, occurred_at=occurred_at, level=level, error_type=error_type,
        message=scrub_string(message, policy), platform=platform, environment=environment,
        release=release, commit_sha=commit[0], commit_source=commit[1],
        deployment_id=deployment_id, tags=_scrubbed_tags(tags, policy), stack=stack,
        top_frame=_top_frame(stack), fingerprint=grouping.hash,
        grouping_version=grouping.version, grouping_parts=grouping.parts,
        payload=scrubbed, payload_json=scrubbed_json, source_maps=source_maps,
    )  # fmt: skip
