"""Invalid text in every kind of event field: lone surrogates, NUL characters, invalid UTF-8.

Railguard accepts such events as Sentry does, with the bad characters replaced (U+FFFD) or
dropped (NUL), and stores them: never a 500, never an accepted event lost, never an error body
quoting the database.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from e2e import new_project, sentry_event, sql, wait_for

from support import Api

BAD_TEXT: dict[str, str | bytes] = {
    "lone_surrogate": '"a\\ud800b"',
    "low_surrogate": '"a\\udfffb"',
    "nul_escape": '"a\\u0000b"',
    "invalid_utf8": b'"a\xff\xfeb"',
    "overlong_utf8": b'"a\xc0\xafb"',
}


def _with_bad(field: str, bad: str | bytes) -> tuple[str, bytes]:
    """A valid event JSON whose `field` holds `bad` (spliced in raw, as an SDK might send it)."""
    marker = "MARKER-7f3a"
    event = sentry_event()
    quoted = orjson.dumps(marker).decode()
    if field == "message":
        event["message"] = marker
    elif field == "exception_value":
        event["exception"]["values"][0]["value"] = marker
    elif field == "exception_type":
        event["exception"]["values"][0]["type"] = marker
    elif field == "tag_value":
        event["tags"] = {"feature": marker}
    elif field == "tag_key":
        event["tags"] = {marker: "x"}
    elif field == "extra":
        event["extra"] = {"note": marker}
    elif field == "extra_key":
        event["extra"] = {marker: 1}
    elif field == "user":
        event["user"] = {"id": marker, "username": marker}
    elif field == "request":
        event["request"] = {"url": "https://x.test/p", "headers": {"X-Thing": marker}}
    elif field == "frame_function":
        event["exception"]["values"][0]["stacktrace"]["frames"][1]["function"] = marker
    elif field == "frame_filename":
        event["exception"]["values"][0]["stacktrace"]["frames"][1]["filename"] = marker
    elif field == "frame_context":
        event["exception"]["values"][0]["stacktrace"]["frames"][1]["context_line"] = marker
    elif field == "environment":
        event["environment"] = marker
    elif field == "release":
        event["release"] = marker
    raw = orjson.dumps(event)
    bad_bytes = bad.encode() if isinstance(bad, str) else bad
    assert quoted.encode() in raw
    return event["event_id"], raw.replace(quoted.encode(), bad_bytes)


FIELDS = [
    "message", "exception_value", "exception_type", "tag_value", "tag_key", "extra",
    "extra_key", "user", "request", "frame_function", "frame_filename", "frame_context",
    "environment", "release",
]  # fmt: skip
_INTERNALS = ("asyncpg", "postgres", "unicode escape", "invalid byte sequence", "jsonb", "sql")


def _no_internals(text: str) -> None:
    low = text.lower()
    assert not any(word in low for word in _INTERNALS), text


@pytest.mark.parametrize("kind", sorted(BAD_TEXT))
@pytest.mark.parametrize("field", FIELDS)
async def test_invalid_text_in_envelope_event_is_stored(
    api: Api, database_url: str, field: str, kind: str
) -> None:
    ctx = await new_project(api)
    eid, payload = _with_bad(field, BAD_TEXT[kind])
    head = orjson.dumps({"event_id": eid})
    raw = b"\n".join([head, orjson.dumps({"type": "event", "length": len(payload)}), payload])
    resp = await ctx.send(raw + b"\n")
    text = await resp.text()
    assert resp.status == 200, text
    _no_internals(text)

    async def stored() -> list[Any]:
        return await sql(
            database_url, "SELECT payload::text FROM events WHERE event_id = $1::uuid", eid
        )

    (row,) = await wait_for(stored, what="the event row")
    assert "\\u0000" not in row[0]


@pytest.mark.parametrize("kind", sorted(BAD_TEXT))
@pytest.mark.parametrize("route", ["store", "native"])
async def test_invalid_text_in_store_and_native_bodies(api: Api, route: str, kind: str) -> None:
    ctx = await new_project(api)
    if route == "store":
        _, payload = _with_bad("message", BAD_TEXT[kind])
        resp = await ctx.client.post(
            f"/api/{ctx.pid}/store/", data=payload,
            headers={**ctx.auth(), "Content-Type": "application/json"},
        )  # fmt: skip
    else:
        bad = BAD_TEXT[kind]
        bad_bytes = bad.encode() if isinstance(bad, str) else bad
        payload = (
            b'{"error_type": "ValueError", "message": ' + bad_bytes
            + b', "tags": {"k": ' + bad_bytes + b'}, "frames": [{"filename": "a.py", "lineno": 1, '
            b'"function": ' + bad_bytes + b"}]}"
        )  # fmt: skip
        resp = await ctx.client.post(
            "/api/v1/events", data=payload, headers={"X-Railguard-Key": ctx.key}
        )
    text = await resp.text()
    assert resp.status < 500, text
    _no_internals(text)
    if route == "store":
        assert resp.status == 200, text
