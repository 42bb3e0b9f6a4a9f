"""The lenient Sentry event model (docs/sentry-protocol.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from railguard.server.errors import BadRequest
from railguard.server.ingest.event import (
    SentryEvent,
    clamp_occurred_at,
    load_event_json,
    normalize_sentry_event,
    normalize_tags,
    parse_timestamp,
)

NOW = datetime(2026, 11, 22, 1, 33, 30, tzinfo=UTC)
EVENT_ID = "e8a54d0269104112805bcf804a5b8369"


def norm(payload: Any, headers: dict[str, Any] | None = None, ip: str | None = None) -> SentryEvent:
    return normalize_sentry_event(payload, envelope_headers=headers, received_at=NOW, client_ip=ip)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b'{"a":1}', {"a": 1}, id="orjson"),
        pytest.param(b'{"x":NaN,"y":Infinity}', None, id="nan-infinity-stdlib-fallback"),
    ],
)
def test_load_event_json(data: bytes, expected: dict[str, Any] | None) -> None:
    value = load_event_json(data)
    if expected is not None:
        assert value == expected
    else:
        assert value["x"] != value["x"] and value["y"] == float("inf")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"[1]", id="list"),
        pytest.param(b"{", id="broken"),
        pytest.param(b"", id="empty"),
    ],
)
def test_load_event_json_refused(data: bytes) -> None:
    with pytest.raises(BadRequest):
        load_event_json(data)


def test_non_dict_payload_refused() -> None:
    with pytest.raises(BadRequest):
        norm([1, 2])


@pytest.mark.parametrize(
    ("payload", "headers", "expected"),
    [
        pytest.param({"event_id": EVENT_ID}, None, EVENT_ID, id="payload"),
        pytest.param(
            {"event_id": "0123456789abcdef0123456789abcdef"},
            {"event_id": EVENT_ID},
            EVENT_ID,
            id="envelope-wins",
        ),
        pytest.param(
            {}, {"event_id": "E8A54D02-6910-4112-805B-CF804A5B8369"}, EVENT_ID, id="dashed-header"
        ),
    ],
)
def test_event_id(payload: dict[str, Any], headers: dict[str, Any] | None, expected: str) -> None:
    assert norm(payload, headers).event_id == expected


def test_event_id_generated() -> None:
    event = norm({"event_id": "nope"})
    assert len(event.event_id) == 32 and event.event_id != "nope"
    assert {"name": "event_id", "reason": "invalid"} in event.errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            "2026-11-22T01:33:27.950739Z",
            datetime(2026, 11, 22, 1, 33, 27, 950739, UTC),
            id="python-us",
        ),
        pytest.param(
            "2026-11-22T01:33:27Z", datetime(2026, 11, 22, 1, 33, 27, tzinfo=UTC), id="ruby-seconds"
        ),
        pytest.param(
            "2026-11-22T01:33:27", datetime(2026, 11, 22, 1, 33, 27, tzinfo=UTC), id="naive-is-utc"
        ),
        pytest.param(
            "2026-11-22T02:33:27+01:00", datetime(2026, 11, 22, 1, 33, 27, tzinfo=UTC), id="offset"
        ),
        pytest.param(1795311248.806, datetime.fromtimestamp(1795311248.806, UTC), id="js-float"),
        pytest.param(1795311248, datetime.fromtimestamp(1795311248, UTC), id="int"),
        pytest.param(
            "1795311248.5", datetime.fromtimestamp(1795311248.5, UTC), id="numeric-string"
        ),
        pytest.param("yesterday", None, id="garbage"),
        pytest.param(True, None, id="bool"),
        pytest.param(1e30, None, id="overflow"),
        pytest.param(float("nan"), None, id="nan"),
        pytest.param("nan", None, id="nan-string"),
        pytest.param({"t": 1}, None, id="object"),
    ],
)
def test_parse_timestamp(value: object, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("occurred", "sent_at", "expected"),
    [
        pytest.param(NOW - timedelta(seconds=3), None, NOW - timedelta(seconds=3), id="normal"),
        pytest.param(None, None, NOW, id="missing"),
        pytest.param(
            NOW + timedelta(seconds=59), None, NOW + timedelta(seconds=59), id="slightly-future"
        ),
        pytest.param(NOW + timedelta(seconds=61), None, NOW, id="future"),
        pytest.param(NOW - timedelta(days=31), None, NOW, id="too-old"),
        pytest.param(NOW - timedelta(days=29), None, NOW - timedelta(days=29), id="old-ok"),
        # the client clock is 2 h behind: the event happened 3 s before it was sent
        pytest.param(
            NOW - timedelta(hours=2, seconds=3),
            NOW - timedelta(hours=2),
            NOW - timedelta(seconds=3),
            id="drift-behind",
        ),
        pytest.param(
            NOW + timedelta(hours=5),
            NOW + timedelta(hours=5, seconds=1),
            NOW - timedelta(seconds=1),
            id="drift-ahead",
        ),
        pytest.param(
            NOW - timedelta(seconds=10),
            NOW - timedelta(seconds=2),
            NOW - timedelta(seconds=10),
            id="latency-not-drift",
        ),
        pytest.param(
            datetime(2026, 11, 22, 1, 33, 0),
            None,
            datetime(2026, 11, 22, 1, 33, 0, tzinfo=UTC),
            id="naive",
        ),
    ],
)
def test_clamp(occurred: datetime | None, sent_at: datetime | None, expected: datetime) -> None:
    assert clamp_occurred_at(occurred, NOW, sent_at) == expected


def test_timestamp_with_envelope_sent_at() -> None:
    event = norm(
        {"timestamp": "2026-11-21T23:33:27Z"},
        {"sent_at": "2026-11-21T23:33:29Z"},  # client clock 2 h behind
    )
    assert event.occurred_at == NOW - timedelta(seconds=2)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("error", "error"),
        ("WARNING", "warning"),
        ("warn", "warning"),
        ("fatal", "fatal"),
        ("critical", "fatal"),
        ("log", "info"),
        ("debug", "debug"),
        ("weird", "error"),
        (None, "error"),
        (3, "error"),
    ],
)
def test_level(level: object, expected: str) -> None:
    assert norm({"level": level}).level == expected


def test_defaults() -> None:
    event = norm({})
    assert (event.platform, event.environment, event.release, event.level) == (
        "other",
        "production",
        None,
        "error",
    )
    assert event.occurred_at == NOW
    assert event.exceptions == [] and event.message is None


@pytest.mark.parametrize(
    ("tags", "expected", "dropped"),
    [
        pytest.param(
            {"tenant": "acme", "n": 3, "ok": True},
            {"tenant": "acme", "n": "3", "ok": "true"},
            [],
            id="dict",
        ),
        pytest.param(
            [["tenant", "acme"], ["x.y:z-1", "v"]],
            {"tenant": "acme", "x.y:z-1": "v"},
            [],
            id="pairs",
        ),
        pytest.param({"k" * 33: "v"}, {}, ["k" * 32], id="key-too-long"),
        pytest.param({"bad key": "v"}, {}, ["bad key"], id="key-charset"),
        pytest.param({"k": "v" * 201}, {}, ["k"], id="value-too-long"),
        pytest.param({"k": "a\nb"}, {}, ["k"], id="newline"),
        pytest.param({"k": None, "j": {"x": 1}}, {}, ["k", "j"], id="non-scalars"),
        pytest.param([["only-one"], "x"], {}, ["?", "?"], id="bad-pairs"),
        pytest.param("tenant:acme", {}, ["tags"], id="string"),
        pytest.param(None, {}, [], id="none"),
    ],
)
def test_tags(tags: object, expected: dict[str, str], dropped: list[str]) -> None:
    assert normalize_tags(tags) == (expected, dropped)


def _exc(payload_exc: Any) -> list[tuple[str | None, str | None, bool, int]]:
    event = norm({"exception": payload_exc})
    return [(e.type, e.value, e.synthetic, len(e.frames)) for e in event.exceptions]


@pytest.mark.parametrize(
    ("exception", "expected"),
    [
        pytest.param(
            {"values": [{"type": "KeyError", "value": "99"}]},
            [("KeyError", "99", False, 0)],
            id="values",
        ),
        pytest.param(
            [{"type": "KeyError", "value": "99"}], [("KeyError", "99", False, 0)], id="bare-list"
        ),
        pytest.param({}, [], id="go-empty-object"),
        pytest.param({"type": "E", "value": "lone"}, [("E", "lone", False, 0)], id="lone-object"),
        pytest.param(
            {"values": [{"value": "TypeError: x is not a function"}]},
            [("TypeError", "x is not a function", False, 0)],
            id="type-value-split",
        ),
        pytest.param(
            {"values": [{"value": "ActiveRecord::RecordNotFound: gone"}]},
            [("ActiveRecord::RecordNotFound", "gone", False, 0)],
            id="ruby-namespaced-split",
        ),
        pytest.param(
            {"values": [{"value": "no colon here"}]},
            [(None, "no colon here", False, 0)],
            id="no-split",
        ),
        pytest.param(
            {
                "values": [
                    {
                        "type": "NoMethodError",
                        "value": "undefined method 'x' for nil (NoMethodError)",
                    }
                ]
            },
            [("NoMethodError", "undefined method 'x' for nil", False, 0)],
            id="ruby-suffix",
        ),
        pytest.param(
            {
                "values": [
                    {
                        "type": "NoMethodError",
                        "value": "undefined method (NoMethodError)\n\n  foo.x\n     ^^",
                    }
                ]
            },
            [("NoMethodError", "undefined method\n\n  foo.x\n     ^^", False, 0)],
            id="ruby-suffix-multiline",
        ),
        pytest.param(
            {
                "values": [
                    {
                        "value": "Cache miss storm",
                        "mechanism": {"synthetic": True},
                        "stacktrace": {"frames": [{"function": "f"}]},
                    }
                ]
            },
            [(None, "Cache miss storm", True, 1)],
            id="synthetic",
        ),
        pytest.param(
            {"values": [{"value": "Error: x", "mechanism": {"synthetic": True}}]},
            [(None, "Error: x", True, 0)],
            id="synthetic-not-split",
        ),
        pytest.param(
            {
                "values": [
                    1,
                    "x",
                    {"type": "E", "stacktrace": {"frames": [{"function": "f"}, 3, None]}},
                ]
            },
            [("E", None, False, 1)],
            id="invalid-members-dropped",
        ),
        pytest.param(
            {"values": [{"type": "E", "stacktrace": "nope"}]},
            [("E", None, False, 0)],
            id="bad-stacktrace",
        ),
        pytest.param({"values": "nope"}, [], id="bad-values"),
        pytest.param("nope", [], id="string"),
    ],
)
def test_exceptions(
    exception: Any, expected: list[tuple[str | None, str | None, bool, int]]
) -> None:
    assert _exc(exception) == expected


def test_frame_normalisation() -> None:
    event = norm(
        {
            "exception": [
                {
                    "type": "E",
                    "stacktrace": {
                        "frames": [
                            {
                                "abs_path": "https://shop.example.com/assets/app.js?v=2",
                                "lineno": "12",
                            },
                            {"filename": "myapp/x.py", "lineno": -1, "colno": 2.0, "in_app": "yes"},
                            {"filename": "a.py", "lineno": True, "pre_context": ["a", 1, "b"]},
                        ]
                    },
                }
            ]
        }
    )
    f1, f2, f3 = event.exceptions[0].frames
    assert (f1.filename, f1.abs_path, f1.lineno) == (
        "/assets/app.js",
        "https://shop.example.com/assets/app.js?v=2",
        12,
    )
    assert (f2.abs_path, f2.lineno, f2.colno, f2.in_app) == ("myapp/x.py", None, 2, None)
    assert (f3.lineno, f3.pre_context) == (None, ["a", "b"])


def test_frames_capped_keeping_newest() -> None:
    frames = [{"function": f"f{i}"} for i in range(400)]
    event = norm({"exception": [{"type": "E", "stacktrace": {"frames": frames}}]})
    got = event.exceptions[0].frames
    assert len(got) == 250 and got[-1].function == "f399"


@pytest.mark.parametrize(
    ("payload", "display", "template", "candidates"),
    [
        pytest.param(
            {"message": "Cache miss storm"},
            "Cache miss storm",
            None,
            ["Cache miss storm"],
            id="js-string",
        ),
        pytest.param(
            {"message": {"message": "Job %s", "formatted": "Job 7", "params": [7]}},
            "Job 7",
            "Job %s",
            ["Job %s", "Job 7"],
            id="object",
        ),
        pytest.param(
            {"logentry": {"message": "Job %s failed", "formatted": "Job 1 failed"}},
            "Job 1 failed",
            "Job %s failed",
            ["Job %s failed", "Job 1 failed"],
            id="logentry",
        ),
        pytest.param(
            {"logentry": {"message": "T %s"}, "message": "plain"},
            "plain",
            "T %s",
            ["T %s", "plain"],
            id="both",
        ),
        pytest.param({"logentry": "bad", "message": 5}, None, None, [], id="invalid"),
    ],
)
def test_messages(
    payload: dict[str, Any], display: str | None, template: str | None, candidates: list[str]
) -> None:
    event = norm(payload)
    assert (event.message, event.message_template, event.grouping_messages) == (
        display,
        template,
        candidates,
    )


@pytest.mark.parametrize(
    ("user", "ip", "expected"),
    [
        pytest.param(
            {"id": "1", "ip_address": "{{auto}}"},
            "203.0.113.9",
            {"id": "1", "ip_address": "203.0.113.9"},
            id="auto",
        ),
        pytest.param({"ip_address": "{{auto}}"}, None, {}, id="auto-without-ip"),
        pytest.param(
            {"ip_address": "198.51.100.1"},
            "203.0.113.9",
            {"ip_address": "198.51.100.1"},
            id="explicit",
        ),
        pytest.param("bob", "203.0.113.9", None, id="invalid"),
    ],
)
def test_user(user: Any, ip: str | None, expected: dict[str, Any] | None) -> None:
    assert norm({"user": user}, ip=ip).user == expected


def test_fingerprint_and_objects() -> None:
    event = norm(
        {
            "fingerprint": ["{{ default }}", 3],
            "contexts": {"trace": {"trace_id": "a" * 32}},
            "extra": "nope",
            "breadcrumbs": {"values": [{"message": "a"}, {"message": "b"}]},
            "request": {"url": "https://x"},
            "sdk": {"name": "sentry.python"},
        }
    )
    assert event.fingerprint == ["{{ default }}", 3]
    assert event.contexts == {"trace": {"trace_id": "a" * 32}}
    assert event.extra == {} and {"name": "extra", "reason": "invalid"} in event.errors
    assert [b["message"] for b in event.breadcrumbs] == ["a", "b"]
    assert event.request == {"url": "https://x"}


@pytest.mark.parametrize(
    "fingerprint",
    [
        pytest.param([], id="empty"),
        pytest.param([None], id="null"),
        pytest.param("x", id="string"),
        pytest.param([True], id="bool"),
    ],
)
def test_invalid_fingerprint_dropped(fingerprint: Any) -> None:
    assert norm({"fingerprint": fingerprint}).fingerprint is None


def test_thread_stack_for_message_events() -> None:
    event = norm(
        {
            "message": "hello",
            "threads": {
                "values": [
                    {"id": 1, "stacktrace": {"frames": [{"function": "idle"}]}},
                    {"id": 2, "current": True, "stacktrace": {"frames": [{"function": "main"}]}},
                ]
            },
        }
    )
    assert [f.function for f in event.stack_frames] == ["main"]
    assert [
        f.function for f in norm({"stacktrace": {"frames": [{"function": "top"}]}}).stack_frames
    ] == ["top"]
