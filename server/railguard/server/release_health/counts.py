"""Pure release-health counting: `session` updates and `sessions` aggregates become hourly
counters per release and environment, and per-user outcomes (docs/logs-and-health.md).

A session counts as started on its update with `init: true`, and in exactly one outcome on its
terminal update: `crashed`, `abnormal`, `errored` (status `errored`, or `exited` with errors),
else `exited`. Updates with status `ok` only start or carry errors. Sessions without a release
are not counted (SDKs do not send them either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from railguard.server.errors import BadRequest

OUTCOMES = ("exited", "errored", "crashed", "abnormal")
_TERMINAL = frozenset({"exited", "crashed", "abnormal", "errored"})


@dataclass
class Counts:
    started: int = 0
    exited: int = 0
    errored: int = 0
    crashed: int = 0
    abnormal: int = 0


BucketKey = tuple[str, str, datetime]  # release, environment, hour


@dataclass(frozen=True)
class UserOutcome:
    release: str
    environment: str
    distinct_id: str
    crashed: bool
    errored: bool


@dataclass
class Tally:
    buckets: dict[BucketKey, Counts]
    users: list[UserOutcome]

    @classmethod
    def empty(cls) -> Tally:
        return cls({}, [])

    def bucket(self, release: str, environment: str, hour: datetime) -> Counts:
        return self.buckets.setdefault((release, environment, hour), Counts())


def _hour(value: Any, fallback: datetime) -> datetime:
    when = fallback
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = fallback
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if abs((when - fallback).total_seconds()) > 31 * 86400:
        when = fallback  # a clock far off: count it now rather than in another month
    return when.replace(minute=0, second=0, microsecond=0)


def _text(value: Any, default: str = "") -> str:
    return value.replace("\x00", "")[:200] if isinstance(value, str) and value else default


def _count(value: Any) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31
    return value if ok else 0


def _load(payload: bytes, kind: str) -> dict[str, Any]:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        raise BadRequest(f"invalid JSON in a {kind} item") from None
    if not isinstance(data, dict):
        raise BadRequest(f"a {kind} item is not a JSON object")
    return data


def _attrs(data: dict[str, Any]) -> dict[str, Any]:
    attrs = data.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def add_session(tally: Tally, payload: bytes, received_at: datetime) -> None:
    """One `session` item: a start and/or an outcome."""
    data = _load(payload, "session")
    attrs = _attrs(data)
    release = _text(attrs.get("release"))
    if not release:
        return
    environment = _text(attrs.get("environment"), "production")
    counts = tally.bucket(release, environment, _hour(data.get("started"), received_at))
    status = data.get("status") if isinstance(data.get("status"), str) else "ok"
    errors = _count(data.get("errors"))
    if data.get("init") is True:
        counts.started += 1
    if status in _TERMINAL:
        if status == "exited" and errors > 0:
            status = "errored"
        setattr(counts, status, getattr(counts, status) + 1)
    did = _text(data.get("did"))
    if did:
        tally.users.append(
            UserOutcome(release, environment, did, status == "crashed",
                        errors > 0 or status in ("errored", "crashed", "abnormal"))
        )  # fmt: skip


def add_sessions(tally: Tally, payload: bytes, received_at: datetime) -> None:
    """One `sessions` item: pre-aggregated counts per start minute (server-mode SDKs)."""
    data = _load(payload, "sessions")
    attrs = _attrs(data)
    release = _text(attrs.get("release"))
    aggregates = data.get("aggregates")
    if not release or not isinstance(aggregates, list):
        return
    environment = _text(attrs.get("environment"), "production")
    for agg in aggregates:
        if not isinstance(agg, dict):
            continue
        counts = tally.bucket(release, environment, _hour(agg.get("started"), received_at))
        outcomes = {name: _count(agg.get(name)) for name in OUTCOMES}
        counts.started += sum(outcomes.values())
        for name, n in outcomes.items():
            setattr(counts, name, getattr(counts, name) + n)
        did = _text(agg.get("did"))
        if did:
            tally.users.append(
                UserOutcome(release, environment, did, outcomes["crashed"] > 0,
                            outcomes["errored"] + outcomes["crashed"] + outcomes["abnormal"] > 0)
            )  # fmt: skip


def crash_free(total: int, crashed: int) -> float | None:
    """The share of sessions (or users) that did not crash; None when there are none."""
    return None if total <= 0 else max(0.0, 1.0 - crashed / total)
