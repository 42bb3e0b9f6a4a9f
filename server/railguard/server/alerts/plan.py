"""Pure delivery planning: decided alerts in, deliveries out (who gets what, over which channel).

A rule's alert goes to the rule's channels (or every channel of the project); an email channel
without recipients goes to the project's members, each filtered by their own preferences. Many
alerts for one recipient at once (a burst) become one summary that waits a little for the rest
of the burst, instead of one message each. Digest readers' alerts are held for their digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Decided:
    """One row of the outbox."""

    id: int
    project_id: int
    incident_id: int | None
    trigger: str
    channel_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    project_id: int
    kind: str
    name: str
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    project_id: int
    user_id: int
    email: str
    enabled: bool = True
    rule_kinds: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    quiet: bool = False
    digest: bool = False

    def wants(self, trigger: str) -> bool:
        if trigger == "test":  # asked for by a person: preferences do not silence it
            return True
        if not self.enabled or self.quiet:
            return False
        if self.channels is not None and "email" not in self.channels:
            return False
        return self.rule_kinds is None or trigger in self.rule_kinds


@dataclass(frozen=True, slots=True)
class Target:
    channel: Channel
    recipient: str
    user_id: int | None = None
    digest: bool = False


@dataclass
class Planned:
    """A delivery to write: `kind` alert (one incident), summary (a burst) or test."""

    target: Target
    kind: str
    items: list[Decided] = field(default_factory=list)
    hold_seconds: float = 0.0
    key: str | None = None

    @property
    def idempotency_key(self) -> str:
        if self.key is not None:
            return self.key
        first = min(item.id for item in self.items)
        prefix = {"alert": "a", "summary": "s", "test": "t"}.get(self.kind, "x")
        return (
            f"rg-{prefix}{first}-c{self.target.channel.id}-{recipient_hash(self.target.recipient)}"
        )

    @property
    def status(self) -> str:
        return "held" if self.target.digest else "pending"

    def row(self) -> dict[str, Any]:
        return {
            "project_id": self.target.channel.project_id,
            "channel_id": self.target.channel.id,
            "channel_kind": self.target.channel.kind,
            "recipient": self.target.recipient,
            "user_id": self.target.user_id,
            "idempotency_key": self.idempotency_key,
            "kind": self.kind,
            "outbox_ids": [item.id for item in self.items if item.id],
            "incident_ids": sorted({i.incident_id for i in self.items if i.incident_id}),
            "triggers": sorted({item.trigger for item in self.items}),
            "status": self.status,
            "hold_seconds": self.hold_seconds,
        }


def recipient_hash(recipient: str) -> str:
    return hashlib.sha256(recipient.lower().encode()).hexdigest()[:12]


def targets(item: Decided, channels: Sequence[Channel], members: Sequence[Member]) -> list[Target]:
    """Who hears of one decided alert, over which channels."""
    chosen = [
        c for c in channels
        if c.project_id == item.project_id and (not item.channel_ids or c.id in item.channel_ids)
    ]  # fmt: skip
    out: list[Target] = []
    for channel in chosen:
        if channel.kind != "email":
            out.append(Target(channel, channel.name))
        elif channel.recipients:
            out.extend(Target(channel, address) for address in channel.recipients)
        else:
            out.extend(
                Target(channel, m.email, m.user_id, m.digest and item.trigger != "test")
                for m in members
                if m.project_id == item.project_id and m.wants(item.trigger)
            )
    return out


def plan(
    items: Iterable[Decided],
    channels: Sequence[Channel],
    members: Sequence[Member],
    recent: Mapping[tuple[int, str], int],
    *,
    burst_limit: int,
    burst_hold: float,
) -> list[Planned]:
    """Deliveries for a set of decided alerts. `recent` counts what each (channel, recipient)
    got in the burst window: past `burst_limit`, what is new becomes one held summary."""
    grouped: dict[tuple[int, str], tuple[Target, list[Decided]]] = {}
    for item in items:
        for target in targets(item, channels, members):
            key = (target.channel.id, target.recipient.lower())
            grouped.setdefault(key, (target, []))[1].append(item)
    out: list[Planned] = []
    for key, (target, group) in grouped.items():
        tests = [i for i in group if i.trigger == "test"]
        alerts = [i for i in group if i.trigger != "test"]
        out.extend(Planned(target, "test", [i]) for i in tests)
        if target.digest or recent.get(key, 0) + len(alerts) <= burst_limit:
            out.extend(Planned(target, "alert", [i]) for i in alerts)
        elif alerts:
            out.append(Planned(target, "summary", alerts, hold_seconds=burst_hold))
    return out


def retry_delay(attempts: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff with jitter: base * 2^(attempts-1), capped, then scaled into
    [50 %, 100 %] by `jitter` in [0, 1) so failed deliveries do not retry in lockstep."""
    delay: float = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * (0.5 + jitter / 2)
