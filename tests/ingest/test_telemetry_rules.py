"""The pure rules behind logs, release health and cron monitors: levels, ids, session outcomes,
schedules (time zones, month ends, missed ticks) and config validation."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from railguard.server.crons.schedule import missed_ticks, monitor_config, next_expected
from railguard.server.errors import BadRequest
from railguard.server.logs.records import hex_id, level_of, sentry_log_item
from railguard.server.release_health.counts import Tally, add_session, add_sessions, crash_free

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("number", "text", "level"),
    [(1, None, "trace"), (9, "WARN", "info"), (13, None, "warn"), (17, None, "error"),
     (24, None, "fatal"), (None, "warning", "warn"), (None, "CRITICAL", "fatal"),
     (None, None, "info"), (99, "error", "error")],
)  # fmt: skip
def test_levels_come_from_the_severity_number_first(
    number: int | None, text: str | None, level: str
) -> None:
    assert level_of(number, text) == level


def test_ids_must_be_hex_of_the_right_length_and_not_zero() -> None:
    assert hex_id("5B8EFFF798038103D269B633813FC60C", 32) == "5b8efff798038103d269b633813fc60c"
    assert hex_id("0" * 32, 32) is None
    assert hex_id("xyz", 32) is None
    assert hex_id(None, 16) is None


def test_a_log_item_without_items_is_refused_and_huge_bodies_are_capped() -> None:
    with pytest.raises(BadRequest):
        sentry_log_item(b'{"version": 2}', "log", NOW)
    (rec,) = sentry_log_item(orjson.dumps({"items": [{"body": "x" * 100_000}]}), "log", NOW)
    assert len(rec.body) == 16 * 1024 and rec.occurred_at == NOW and rec.level == "info"


def _session(**fields: object) -> bytes:
    return orjson.dumps({"init": True, "status": "ok", "started": "2026-12-02T10:05:00Z",
                         "attrs": {"release": "r1"}, **fields})  # fmt: skip


def test_each_session_has_one_outcome() -> None:
    tally = Tally.empty()
    add_session(tally, _session(status="exited", errors=2, did="u1"), NOW)
    add_session(tally, _session(status="crashed", did="u2"), NOW)
    add_session(tally, _session(), NOW)  # started, still running
    add_session(tally, _session(init=False, status="exited"), NOW)  # its end
    ((key, counts),) = tally.buckets.items()
    assert key == ("r1", "production", datetime(2026, 12, 2, 10, tzinfo=UTC))
    assert (counts.started, counts.errored, counts.crashed, counts.exited) == (3, 1, 1, 1)
    assert [(u.distinct_id, u.crashed, u.errored) for u in tally.users] == [
        ("u1", False, True), ("u2", True, True)]  # fmt: skip
    add_sessions(tally, orjson.dumps({"attrs": {"release": "r1"}, "aggregates": [
        {"started": "2026-12-02T10:07:00Z", "exited": 5, "abnormal": 1}]}), NOW)  # fmt: skip
    assert (counts.started, counts.exited, counts.abnormal) == (9, 6, 1)
    assert crash_free(10, 1) == pytest.approx(0.9) and crash_free(0, 0) is None


def test_crontab_follows_the_monitors_time_zone_across_dst() -> None:
    # 03:00 in Vienna is 02:00 UTC in winter and 01:00 UTC in summer.
    winter = next_expected("crontab", "0 3 * * *", "Europe/Vienna", NOW)
    assert winter == datetime(2026, 12, 3, 2, tzinfo=UTC)
    summer = next_expected(
        "crontab", "0 3 * * *", "Europe/Vienna", datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert summer == datetime(2026, 7, 1, 1, tzinfo=UTC)


def test_monthly_intervals_clamp_to_the_month_end() -> None:
    jan31 = datetime(2026, 1, 31, 8, tzinfo=UTC)
    assert next_expected("interval", "1 month", "UTC", jan31) == datetime(
        2026, 2, 28, 8, tzinfo=UTC
    )
    assert next_expected("interval", "1 year", "UTC", jan31) == datetime(2027, 1, 31, 8, tzinfo=UTC)


def test_missed_ticks_are_the_expected_times_past_their_margin() -> None:
    expected = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    missed, upcoming = missed_ticks("crontab", "*/10 * * * *", "UTC", expected, NOW, 5)
    # 10:20 + 5 min is past 10:30; 10:30 + 5 min is not yet.
    assert [m.minute for m in missed] == [0, 10, 20]
    assert upcoming == datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
    nothing, same = missed_ticks("crontab", "*/10 * * * *", "UTC", upcoming, upcoming, 5)
    assert nothing == [] and same == upcoming


@pytest.mark.parametrize(
    "config",
    [None, {}, {"schedule": {"type": "crontab", "value": "61 * * * *"}},
     {"schedule": {"type": "interval", "value": 0, "unit": "minute"}},
     {"schedule": {"type": "interval", "value": 5, "unit": "fortnight"}},
     {"schedule": {"type": "crontab", "value": "* * * * *"}, "timezone": "Mars/Olympus"},
     {"schedule": {"type": "crontab", "value": "* * * * *"}, "checkin_margin": -1},
     {"schedule": {"type": "crontab", "value": "0 0 30 2 *"}},  # never comes round
     {"schedule": {"type": "interval", "value": 1_000_000, "unit": "week"}}],
)  # fmt: skip
def test_unusable_monitor_configs_are_refused(config: object) -> None:
    with pytest.raises(BadRequest):
        monitor_config(config)


def test_an_otel_log_item_is_one_record_with_otlp_json_values() -> None:
    payload = {"timestamp": 1764670000, "severity_number": 21, "body": {"stringValue": "down"},
               "attributes": [{"key": "retries", "value": {"intValue": "3"}}],
               "trace_id": "5b8efff798038103d269b633813fc60c"}  # fmt: skip
    (rec,) = sentry_log_item(orjson.dumps(payload), "otel_log", NOW)
    assert (rec.level, rec.body, rec.attributes["retries"]) == ("fatal", "down", 3)
    assert rec.trace_id == "5b8efff798038103d269b633813fc60c"
    assert rec.occurred_at == datetime(2025, 12, 2, 10, 6, 40, tzinfo=UTC)
