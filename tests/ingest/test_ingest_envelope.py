"""Envelope framing (docs/sentry-protocol.md §4) and event id normalisation."""

from __future__ import annotations

import pytest

from railguard.server.errors import BadRequest
from railguard.server.http_errors import status_of
from railguard.server.ingest.envelope import Envelope, normalize_event_id, parse_envelope

EVENT_ID = "e8a54d0269104112805bcf804a5b8369"
PY_EVENT = (
    b'{"event_id":"e8a54d0269104112805bcf804a5b8369","platform":"python","level":"error",'
    b'"exception":{"values":[{"type":"ValueError","value":"Invoice 99 not found"}]}}'
)
PYTHON_ENVELOPE = (
    b'{"event_id":"e8a54d0269104112805bcf804a5b8369","sent_at":"2026-11-22T01:33:27.964609Z"}\n'
    + b'{"type":"event","content_type":"application/json","length":%d}\n' % len(PY_EVENT)
    + PY_EVENT
    + b"\n"
)
NODE_ENVELOPE = (
    b'{"event_id":"e8a54d0269104112805bcf804a5b8369","sent_at":"2026-11-22T01:33:27.964Z",'
    b'"sdk":{"name":"sentry.javascript.node","version":"11.12.0"}}\n'
    b'{"type":"event"}\n'
    b'{"event_id":"e8a54d0269104112805bcf804a5b8369","timestamp":1795311248.806}'
)
SESSION_ENVELOPE = (
    b'{"sent_at":"2026-11-22T01:33:27.964Z","sdk":{"name":"sentry.javascript.node"}}\n'
    b'{"type":"session"}\n'
    b'{"sid":"7a1f2b","init":true,"started":"2026-11-22T01:33:27.964Z","status":"ok"}'
)


def _shape(envelope: Envelope) -> list[tuple[str, bytes]]:
    return [(item.type, item.payload) for item in envelope.items]


@pytest.mark.parametrize(
    ("data", "headers", "items"),
    [
        pytest.param(
            PYTHON_ENVELOPE,
            {"event_id": EVENT_ID, "sent_at": "2026-11-22T01:33:27.964609Z"},
            [("event", PY_EVENT)],
            id="python-with-length-and-trailing-newline",
        ),
        pytest.param(
            NODE_ENVELOPE,
            None,
            [
                (
                    "event",
                    b'{"event_id":"e8a54d0269104112805bcf804a5b8369","timestamp":1795311248.806}',
                )
            ],
            id="node-no-length-no-trailing-newline",
        ),
        pytest.param(
            SESSION_ENVELOPE,
            None,
            [("session", SESSION_ENVELOPE.split(b"\n")[2])],
            id="session-only",
        ),
        pytest.param(b"{}", {}, [], id="header-only"),
        pytest.param(b"{}\n", {}, [], id="header-only-newline"),
        pytest.param(b"{}\n\n\n", {}, [], id="blank-lines-skipped"),
        pytest.param(
            b'{}\n{"type":"attachment","length":4,"filename":"a.bin"}\n\x00\n\r\n\n{"type":"event"}\n{}',
            {},
            [("attachment", b"\x00\n\r\n"), ("event", b"{}")],
            id="length-payload-may-contain-newlines",
        ),
        pytest.param(
            b'{}\n{"type":"event"}\n{"a":1}\r\n',
            {},
            [("event", b'{"a":1}\r')],
            id="cr-kept-without-length",
        ),
        pytest.param(
            b'{}\n{"type":"event","length":8}\n{"a":1}\r\n',
            {},
            [("event", b'{"a":1}\r')],
            id="cr-kept-with-length",
        ),
        pytest.param(
            b'{}\n{"type":"event","length":0}\n\n{"type":"session","length":0}',
            {},
            [("event", b""), ("session", b"")],
            id="zero-length-items",
        ),
        pytest.param(
            b'{}\n{"type":"event"}\n\n{"type":"client_report"}\n{}',
            {},
            [("event", b""), ("client_report", b"{}")],
            id="empty-payload-without-length",
        ),
        pytest.param(b'{}\n{"type":"event"}', {}, [("event", b"")], id="item-header-at-eof"),
        pytest.param(
            b'{}\n{"type":"span","item_count":1,"content_type":"application/vnd.sentry.items.span.v2+json"}\n{"version":2,"items":[]}\n{"type":"mystery_future_type","length":3}\nabc\n{"type":"event"}\n{}',
            {},
            [
                ("span", b'{"version":2,"items":[]}'),
                ("mystery_future_type", b"abc"),
                ("event", b"{}"),
            ],
            id="unknown-item-types-kept",
        ),
        pytest.param(
            b'{"x":1}\r\n{"type":"event"}\n{}', {"x": 1}, [("event", b"{}")], id="crlf-after-header"
        ),
    ],
)
def test_parse(
    data: bytes, headers: dict[str, object] | None, items: list[tuple[str, bytes]]
) -> None:
    envelope = parse_envelope(data)
    if headers is not None:
        assert envelope.headers == headers
    assert _shape(envelope) == items


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty envelope", id="empty"),
        pytest.param(b"\n\n", "empty envelope", id="only-newlines"),
        pytest.param(b"not json\n", "invalid JSON in envelope header", id="bad-envelope-header"),
        pytest.param(b"[1,2]\n", "envelope header is not a JSON object", id="header-not-object"),
        pytest.param(
            b'{}\n{"type":"event"\n{}', "invalid JSON in item 1 header", id="bad-item-header-json"
        ),
        pytest.param(
            b"{}\n42\n{}", "item 1 header is not a JSON object", id="item-header-not-object"
        ),
        pytest.param(b'{}\n{"length":2}\n{}', "item 1 header has no type", id="missing-type"),
        pytest.param(b'{}\n{"type":""}\n{}', "item 1 header has no type", id="empty-type"),
        pytest.param(
            b'{}\n{"type":"event","length":10}\n{}',
            "item 1 is shorter than its length",
            id="length-past-eof",
        ),
        pytest.param(
            b'{}\n{"type":"event","length":1}\n{}',
            "item 1 payload is not followed by a newline",
            id="length-too-short",
        ),
        pytest.param(
            b'{}\n{"type":"event","length":-1}\n{}',
            "item 1 has an invalid length",
            id="negative-length",
        ),
        pytest.param(
            b'{}\n{"type":"event","length":"2"}\n{}',
            "item 1 has an invalid length",
            id="string-length",
        ),
        pytest.param(
            b'{}\n{"type":"event","length":true}\n{}',
            "item 1 has an invalid length",
            id="bool-length",
        ),
        pytest.param(
            b'{}\n{"type":"event","length":1.5}\n{}',
            "item 1 has an invalid length",
            id="float-length",
        ),
        pytest.param(
            b'{}\n{"type":"a"}\nx\n{"type":"b","length":9}\n',
            "item 2 is shorter than its length",
            id="second-item-counted",
        ),
        pytest.param(b"\xff\xfe\n", "invalid JSON in envelope header", id="not-utf8"),
    ],
)
def test_malformed(data: bytes, reason: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_envelope(data)
    assert info.value.message == reason
    assert status_of(info.value) == 400


def test_envelope_event_id_property() -> None:
    assert parse_envelope(PYTHON_ENVELOPE).event_id == EVENT_ID
    assert parse_envelope(SESSION_ENVELOPE).event_id is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(EVENT_ID, EVENT_ID, id="hex"),
        pytest.param(EVENT_ID.upper(), EVENT_ID, id="uppercase"),
        pytest.param("e8a54d02-6910-4112-805b-cf804a5b8369", EVENT_ID, id="dashed"),
        pytest.param("{E8A54D02-6910-4112-805B-CF804A5B8369}", EVENT_ID, id="braced"),
        pytest.param(f" {EVENT_ID} ", EVENT_ID, id="whitespace"),
        pytest.param("e8a54d02-6910-4112-805bcf804a5b8369", None, id="dashes-misplaced"),
        pytest.param(EVENT_ID[:-1], None, id="too-short"),
        pytest.param(EVENT_ID[:-1] + "g", None, id="not-hex"),
        pytest.param("0" * 32, None, id="nil-uuid"),
        pytest.param(None, None, id="none"),
        pytest.param(12345, None, id="int"),
        pytest.param("x" * 1000, None, id="long"),
    ],
)
def test_normalize_event_id(value: object, expected: str | None) -> None:
    assert normalize_event_id(value) == expected
