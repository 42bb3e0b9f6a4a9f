"""Pure delivery planning: recipients by preference, bursts into one summary, digest holds,
stable keys, and the retry backoff's bounds."""

from __future__ import annotations

from railguard.server.alerts.plan import Channel, Decided, Member, plan, retry_delay, targets

MAIL = Channel(1, 10, "email", "Members by email")
HOOK = Channel(2, 10, "webhook", "ops")
OTHER = Channel(3, 11, "email", "someone else's project")


def _members() -> list[Member]:
    return [
        Member(10, 1, "all@example.com"),
        Member(10, 2, "quiet@example.com", quiet=True),
        Member(10, 3, "regressions@example.com", rule_kinds=("regressed",)),
        Member(10, 4, "nomail@example.com", channels=()),
        Member(10, 5, "digest@example.com", digest=True),
        Member(11, 6, "stranger@example.com"),
    ]


def test_members_get_what_their_preferences_allow() -> None:
    new = Decided(1, 10, 100, "new")
    got = {
        (t.channel.id, t.recipient, t.digest) for t in targets(new, [MAIL, HOOK, OTHER], _members())
    }
    assert got == {
        (1, "all@example.com", False),
        (1, "digest@example.com", True),
        (2, "ops", False),
    }
    regressed = Decided(2, 10, 100, "regressed", channel_ids=(1,))
    assert {t.recipient for t in targets(regressed, [MAIL, HOOK], _members())} == {
        "all@example.com", "regressions@example.com", "digest@example.com",
    }  # fmt: skip
    # A test goes to everyone asked, whatever their preferences, and never to a digest.
    test = [t for t in targets(Decided(0, 10, None, "test"), [MAIL], _members())]
    assert len(test) == 5 and not any(t.digest for t in test)


def test_a_burst_is_one_held_summary_and_keys_are_stable() -> None:
    items = [Decided(n, 10, 1000 + n, "new") for n in range(1, 8)]
    out = plan(items, [HOOK], [], {}, burst_limit=5, burst_hold=10.0)
    (summary,) = out
    assert summary.kind == "summary" and summary.hold_seconds == 10.0
    assert summary.row()["incident_ids"] == [1001 + n for n in range(7)]
    assert summary.idempotency_key == "rg-s1-c2-" + summary.idempotency_key.rsplit("-", 1)[1]
    few = plan(items[:3], [HOOK], [], {}, burst_limit=5, burst_hold=10.0)
    assert [p.kind for p in few] == ["alert"] * 3
    assert [p.idempotency_key.split("-")[1] for p in few] == ["a1", "a2", "a3"]
    # Recent alerts to the same recipient count toward the burst.
    busy = plan(items[:3], [HOOK], [], {(2, "ops"): 4}, burst_limit=5, burst_hold=10.0)
    assert [p.kind for p in busy] == ["summary"]


def test_digest_readers_are_held_one_by_one() -> None:
    items = [Decided(n, 10, 1000 + n, "new") for n in range(1, 8)]
    digest = Member(10, 5, "digest@example.com", digest=True)
    out = plan(items, [MAIL], [digest], {}, burst_limit=5, burst_hold=10.0)
    assert len(out) == 7 and {p.status for p in out} == {"held"}


def test_retry_delay_grows_exponentially_with_jitter_and_a_cap() -> None:
    assert retry_delay(1, base=5, cap=900, jitter=0.0) == 2.5
    assert retry_delay(1, base=5, cap=900, jitter=0.999) < 5
    assert retry_delay(4, base=5, cap=900, jitter=0.0) == 20
    assert retry_delay(30, base=5, cap=900, jitter=0.999) < 900
    assert retry_delay(30, base=5, cap=900, jitter=0.0) == 450
