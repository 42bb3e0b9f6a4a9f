"""The rules of a fix and its deploys (docs/releases.md), as pure functions.

An incident resolved at a commit (the fix) stays resolved until an event comes from a deployed
commit that *contains* the fix; until a registered deploy contains it, it is "awaiting deploy".
Whether a deployed commit contains the fix is looked up in PostgreSQL (`railguard_contains`,
from registered deploys and editor-supplied ancestors); `judge` decides from that answer. The
writer applies the same rule in SQL (`railguard_is_regression`), and a test runs the table of
`judge` through both.
"""

from __future__ import annotations

from dataclasses import dataclass

from railguard.wire import models as w


@dataclass(frozen=True, slots=True)
class Judgement:
    """What an event after a resolve does: reopen the incident (a regression), and whether it
    left the fix's ancestry unknown (shown as "ancestry unknown")."""

    reopen: bool
    ancestry_known: bool


def judge(
    *,
    fix: str | None,
    deploy_at_resolve: str | None,
    event_commit: str | None,
    contains: bool | None,
) -> Judgement:
    """An event after the resolve, from `event_commit`. `contains`: whether that commit contains
    `fix` (None: unknown). Resolved without a commit (the web app), any deploy other than the
    one at the resolve reopens, as nothing better is known."""
    if fix is None:
        changed = deploy_at_resolve is None or event_commit != deploy_at_resolve
        return Judgement(reopen=changed, ancestry_known=True)
    if event_commit is None:
        return Judgement(reopen=False, ancestry_known=False)
    if event_commit == deploy_at_resolve:
        return Judgement(reopen=False, ancestry_known=True)  # the build that was running
    if contains is None:
        return Judgement(reopen=False, ancestry_known=False)
    return Judgement(reopen=contains, ancestry_known=True)


def fix_state(
    *,
    status: str,
    fix: str | None,
    deployed_in: str | None,
    ancestry_unknown: bool,
) -> w.FixState | None:
    """How far a resolved incident's fix has got, or None when there is no fix commit."""
    if status != "resolved" or fix is None:
        return None
    if deployed_in is not None:
        return w.FixState(commit=fix, state="deployed", deployed_in=deployed_in)
    return w.FixState(commit=fix, state="awaiting_deploy", ancestry_known=not ancestry_unknown)
