"""Pure batch shaping for the writer: aggregate a batch's events into incident rows and columns.

Kept apart from the writer's I/O so the aggregation (the part with rules) is unit-tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from railguard.server.db import dumps_json
from railguard.server.ingest.process import ProcessedEvent
from railguard.wire.models import Frame


@dataclass(frozen=True, slots=True)
class Submission:
    """One event on its way to the database, with where it came from."""

    project_id: int
    key_id: int | None
    event: ProcessedEvent
    received_at: datetime


GroupKey = tuple[int, int, str]  # project_id, grouping_version, fingerprint


def group_key(sub: Submission) -> GroupKey:
    return (sub.project_id, sub.event.grouping_version, sub.event.fingerprint)


def clean(text: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL characters; drop them rather than refuse the event."""
    return text.replace("\x00", "") if text else text


_INT32_MAX = 2**31 - 1
_INT64 = range(-(2**63), 2**64)  # what orjson can write


def _int32(value: int | None) -> int | None:
    """Lines and columns are `int` columns: an absurd number is dropped, not the event."""
    return value if value is not None and 0 <= value <= _INT32_MAX else None


def frame_json(frame: Frame) -> dict[str, Any]:
    data = frame.model_dump()
    data["line"], data["column"] = _int32(frame.line), _int32(frame.column)
    return data


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        return str(value)  # beyond 64 bits (the stdlib JSON fallback parses any integer)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def json_text(value: Any) -> str:
    """`dumps_json`, but never failing on what a client could send (integers past 64 bits)."""
    try:
        return dumps_json(value)
    except TypeError:
        return dumps_json(_json_safe(value))


def _payload_text(ev: ProcessedEvent) -> str:
    """The payload's JSON text, reusing the bytes scrubbing encoded when it had them."""
    raw = ev.payload_json
    if raw is None or b"\\u0000" in raw:  # NUL escapes: let `dumps_json` drop them
        return json_text(ev.payload)
    return raw.decode()


@dataclass
class IncidentRow:
    """The batch's contribution to one incident."""

    first: Submission
    latest: Submission
    count: int = 0
    environments: set[str] = field(default_factory=set)
    first_commit: str | None = None

    def add(self, sub: Submission) -> None:
        self.count += 1
        self.environments.add(sub.event.environment)
        if sub.event.occurred_at < self.first.event.occurred_at:
            self.first = sub
        if sub.event.occurred_at >= self.latest.event.occurred_at:
            self.latest = sub
        if self.first_commit is None or sub is self.first:
            self.first_commit = sub.event.commit_sha or self.first_commit


def aggregate(subs: list[Submission]) -> dict[GroupKey, IncidentRow]:
    rows: dict[GroupKey, IncidentRow] = {}
    for sub in subs:
        key = group_key(sub)
        row = rows.get(key)
        if row is None:
            row = rows[key] = IncidentRow(first=sub, latest=sub)
        row.add(sub)
    return rows


def incident_columns(rows: dict[GroupKey, IncidentRow]) -> dict[str, list[Any]]:
    """Column arrays for the `upsert_incidents` query, one element per incident."""
    cols: dict[str, list[Any]] = {name: [] for name in _INCIDENT_COLUMNS}
    for (project_id, version, fingerprint), row in rows.items():
        ev = row.latest.event
        top = ev.top_frame
        cols["project_ids"].append(project_id)
        cols["grouping_versions"].append(version)
        cols["fingerprints"].append(fingerprint)
        cols["grouping_parts"].append(json_text(ev.grouping_parts))
        cols["levels"].append(ev.level)
        cols["error_types"].append(clean(ev.error_type) or "")
        cols["messages"].append(clean(ev.message) or "")
        cols["environments"].append("\n".join(sorted(row.environments)))
        cols["event_counts"].append(row.count)
        cols["first_seens"].append(row.first.event.occurred_at)
        cols["last_seens"].append(ev.occurred_at)
        cols["first_commits"].append(row.first_commit)
        cols["latest_commits"].append(ev.commit_sha)
        cols["frame_paths"].append(clean(top.path or top.original_path) if top else None)
        cols["frame_lines"].append(_int32(top.line) if top else None)
        cols["frame_columns"].append(_int32(top.column) if top else None)
        cols["top_frames"].append(json_text(frame_json(top)) if top else None)
        cols["latest_stacks"].append(json_text([frame_json(f) for f in ev.stack]))
        cols["latest_event_ids"].append(ev.event_id)
    return cols


_INCIDENT_COLUMNS = (
    "project_ids", "grouping_versions", "fingerprints", "grouping_parts", "levels", "error_types",
    "messages", "environments", "event_counts", "first_seens", "last_seens", "first_commits",
    "latest_commits", "frame_paths", "frame_lines", "frame_columns", "top_frames",
    "latest_stacks", "latest_event_ids",
)  # fmt: skip


def event_columns(
    subs: list[Submission], incident_ids: dict[GroupKey, int]
) -> dict[str, list[Any]]:
    """Column arrays for `insert_events`, one element per new event."""
    cols: dict[str, list[Any]] = {name: [] for name in _EVENT_COLUMNS}
    for sub in subs:
        ev = sub.event
        cols["event_ids"].append(ev.event_id)
        cols["project_ids"].append(sub.project_id)
        cols["incident_ids"].append(incident_ids[group_key(sub)])
        cols["received_ats"].append(sub.received_at)
        cols["occurred_ats"].append(ev.occurred_at)
        cols["levels"].append(ev.level)
        cols["error_types"].append(clean(ev.error_type) or "")
        cols["messages"].append(clean(ev.message) or "")
        cols["commit_shas"].append(ev.commit_sha)
        cols["commit_sources"].append(ev.commit_source)
        cols["environments"].append(clean(ev.environment))
        cols["releases"].append(clean(ev.release))
        cols["deployment_ids"].append(clean(ev.deployment_id))
        cols["platforms"].append(clean(ev.platform))
        cols["tags"].append(json_text(ev.tags))
        cols["payloads"].append(_payload_text(ev))
    return cols


_EVENT_COLUMNS = (
    "event_ids", "project_ids", "incident_ids", "received_ats", "occurred_ats", "levels",
    "error_types", "messages", "commit_shas", "commit_sources", "environments", "releases",
    "deployment_ids", "platforms", "tags", "payloads",
)  # fmt: skip
