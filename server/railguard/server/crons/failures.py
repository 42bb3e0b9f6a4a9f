"""A failed or missed check-in as an error event: it opens (or counts on, or regresses) one
incident per monitor and kind, so the alert rules and channels of incidents deliver it
(docs/logs-and-health.md). Event ids are derived from the failure, so a failure reported twice
(two processes, or a pass retried after a crash) is stored once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from railguard.server.ingest.process import process_native_event
from railguard.server.pipeline.batch import Submission
from railguard.server.pipeline.writer import EventWriter
from railguard.wire import models as w

Kind = Literal["missed", "error", "timeout"]
_NAMESPACE = uuid.UUID("5d0c7f4e-8a8f-4c55-9d57-2f0f3b1c9e11")
_TITLES = {
    "missed": ("MissedCheckIn", "Cron monitor {slug} missed the check-in expected at {at}"),
    "error": ("FailedCheckIn", "Cron monitor {slug} reported a failed run at {at}"),
    "timeout": ("TimedOutCheckIn", "Cron monitor {slug} ran past its max runtime (started {at})"),
}


def failure_id(monitor_id: int, kind: Kind, key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{monitor_id}:{kind}:{key}")


def failure_submission(
    *, project_id: int, monitor_id: int, slug: str, kind: Kind, at: datetime, key: str,
    environment: str | None, release: str | None, received_at: datetime,
) -> Submission:  # fmt: skip
    error_type, template = _TITLES[kind]
    native = w.NativeEvent(
        event_id=failure_id(monitor_id, kind, key).hex, error_type=error_type,
        message=template.format(slug=slug, at=at.isoformat(timespec="seconds")),
        level="error", platform="other", release=release,
        environment=environment or "production", occurred_at=at,
        tags={"monitor.slug": slug, "monitor.failure": kind},
        context={"monitor": {"id": monitor_id, "slug": slug, "failure": kind}},
        fingerprint=["cron-monitor", slug, "missed" if kind == "missed" else "failed"],
    )  # fmt: skip
    event = process_native_event(native, received_at=received_at, path_rules=[])
    return Submission(project_id=project_id, key_id=None, event=event, received_at=received_at)


async def report(writer: EventWriter, submissions: list[Submission]) -> None:
    """Store the failure events (each returns after its commit, decided alerts included)."""
    for sub in submissions:
        await writer.submit(sub)
