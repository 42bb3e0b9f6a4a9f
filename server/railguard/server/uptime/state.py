"""The monitor state machine, pure: a check result in, the new state and what to record out.

A monitor is `down` once more than `retries` checks in a row failed; the outage opens at that
moment (not at the first failure) and resolves on the first success. `unknown` is set from the
outside (no result arrives: its agent is offline or nothing ran it) and never counts as up. While
failures are within the retries the monitor is `pending` (being retried).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["pending", "up", "down", "unknown"]


@dataclass(frozen=True)
class Transition:
    state: State
    consecutive_failures: int
    open_outage: bool
    resolve_outage: bool


def step(*, ok: bool, consecutive_failures: int, retries: int, outage_open: bool) -> Transition:
    """The monitor after one result. `outage_open` is the truth in the database, so a process
    that crashed between two results neither opens a second outage nor forgets to resolve one."""
    if ok:
        return Transition("up", 0, open_outage=False, resolve_outage=outage_open)
    failures = consecutive_failures + 1
    if failures > retries:
        return Transition("down", failures, open_outage=not outage_open, resolve_outage=False)
    # Within the retries: "pending" (being retried), or still down while an outage is open.
    return Transition(
        "down" if outage_open else "pending", failures, open_outage=False, resolve_outage=False
    )
