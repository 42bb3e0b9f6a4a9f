"""The pure parts of uptime: the state machine, latency histograms, ICMP packets."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from railguard.server.uptime import state, stats
from railguard.server.uptime.checks import ping
from railguard.server.uptime.results import cert_needs_alert


def run(results: list[bool], retries: int) -> list[state.Transition]:
    failures, outage, out = 0, False, []
    for ok in results:
        move = state.step(ok=ok, consecutive_failures=failures, retries=retries, outage_open=outage)
        failures = move.consecutive_failures
        outage = (outage or move.open_outage) and not move.resolve_outage
        out.append(move)
    return out


def test_down_only_after_the_retries_and_one_outage_per_run_of_failures() -> None:
    moves = run([True, False, False, False, False, True, False], retries=2)
    assert [m.state for m in moves] == ["up", "pending", "pending", "down", "down", "up", "pending"]
    assert [m.open_outage for m in moves] == [False, False, False, True, False, False, False]
    assert [m.resolve_outage for m in moves] == [False] * 5 + [True, False]


def test_zero_retries_is_down_at_the_first_failure() -> None:
    assert run([False], retries=0)[0] == state.Transition("down", 1, True, False)


def test_an_outage_left_open_by_a_crash_is_neither_duplicated_nor_forgotten() -> None:
    # The database says an outage is open while the counter was reset: still one outage.
    move = state.step(ok=False, consecutive_failures=0, retries=0, outage_open=True)
    assert move == state.Transition("down", 1, open_outage=False, resolve_outage=False)
    move = state.step(ok=True, consecutive_failures=5, retries=0, outage_open=True)
    assert move.resolve_outage and move.state == "up"


def test_a_failure_within_the_retries_does_not_hide_an_open_outage() -> None:
    move = state.step(ok=False, consecutive_failures=0, retries=3, outage_open=True)
    assert move.state == "down" and not move.open_outage


@pytest.mark.parametrize("latency", [0.2, 1.0, 1.05, 3.7, 42.0, 999.0, 12_345.0, 59_999.0])
def test_a_bucket_value_is_within_five_percent(latency: float) -> None:
    value = stats.bucket_value(stats.bucket_of(latency))
    if latency >= stats.BASE_MS:
        assert abs(value - latency) / latency <= 0.05


def test_huge_latencies_land_in_the_last_bucket() -> None:
    assert stats.bucket_of(10**9) == stats.BUCKETS - 1


def test_percentiles_of_merged_histograms_match_the_data() -> None:
    rng = random.Random(7)
    data = [rng.lognormvariate(4, 1) for _ in range(5000)]
    hists = []
    for chunk in (data[:1000], data[1000:3000], data[3000:]):
        hist = [0] * stats.BUCKETS
        for value in chunk:
            hist[stats.bucket_of(value)] += 1
        hists.append(hist)
    merged = stats.merge(hists)
    ordered = sorted(data)
    for q in (50, 95, 99):
        exact = ordered[int(q / 100 * len(ordered)) - 1]
        got = stats.percentile(merged, q)
        assert got is not None and abs(got - exact) / exact < 0.1, (q, got, exact)
    assert stats.percentile([0] * stats.BUCKETS, 50) is None


def test_uptime_percent() -> None:
    assert stats.uptime_percent(0, 0) is None
    assert stats.uptime_percent(999, 1000) == 99.9


def test_echo_request_checksum_verifies_and_replies_parse() -> None:
    packet = ping.echo_request(0x1234, 7, b"abcdefgh")
    assert ping._checksum(packet) == 0  # a correct checksum sums to zero
    reply = bytes([0, 0]) + packet[2:]
    assert ping.parse_reply(reply, raw=False) == (0, 0x1234, 7)
    ip_header = bytes([0x45]) + bytes(19)
    assert ping.parse_reply(ip_header + reply, raw=True) == (0, 0x1234, 7)
    assert ping.parse_reply(b"\x45", raw=True) is None


def test_one_certificate_alert_per_certificate() -> None:
    now = datetime.now(UTC)
    soon = now + timedelta(days=3)
    assert cert_needs_alert(soon, None, 14, now)
    assert not cert_needs_alert(soon, soon, 14, now)  # already alerted for this one
    assert not cert_needs_alert(now + timedelta(days=30), None, 14, now)
    assert not cert_needs_alert(soon, None, 0, now)  # warnings off
    assert cert_needs_alert(soon + timedelta(days=1), soon, 14, now)  # a renewed, still-short one
