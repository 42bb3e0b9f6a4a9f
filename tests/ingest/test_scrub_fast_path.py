"""Scrubbing's fast path: the per-payload rule check must never skip a rule a string needs."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from railguard.server.ingest.scrub import FILTERED, scrub, scrub_string, scrub_to_json

CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("tab bearer\tabc.def", id="bearer-after-an-escaped-tab"),
        pytest.param('say "Bearer abc" now', id="bearer-beside-escaped-quotes"),
        pytest.param('https://"user":"pw"@host/x', id="userinfo-with-escaped-quotes"),
        pytest.param("redis://:p\\w@cache:6379/0", id="userinfo-with-a-backslash"),
        pytest.param(f"card\n{CARD}\n", id="card-between-newlines"),
        pytest.param("4111-1111-1111-1111", id="card-dashes"),
        pytest.param("\u0664\u0661\u0661\u0661" * 4, id="unicode-digits"),
        pytest.param("-----BEGIN EC PRIVATE KEY-----\nMHc\n", id="pem"),
        pytest.param("x" * 300 + " https://u:" + "p" * 200 + "@h", id="userinfo-long"),
    ],
)
def test_strings_deep_in_a_payload_get_the_rules_they_need(text: str) -> None:
    payload = {"a": [{"b": {"note": text}}, text], "count": 3}
    assert scrub(payload) == {"a": [{"b": {"note": scrub_string(text)}}, scrub_string(text)],
                              "count": 3}  # fmt: skip


def test_unchanged_payload_comes_back_with_its_json() -> None:
    payload: dict[str, Any] = {"message": "plain", "frames": [{"function": "f", "lineno": 3}]}
    scrubbed, raw = scrub_to_json(payload)
    assert scrubbed is payload
    assert raw == orjson.dumps(payload)


def test_changed_payload_has_no_json_and_the_input_is_untouched() -> None:
    payload: dict[str, Any] = {"extra": {"password": "hunter2", "card": CARD}, "n": 1}
    scrubbed, raw = scrub_to_json(payload)
    assert raw is None
    assert scrubbed == {"extra": {"password": FILTERED, "card": FILTERED}, "n": 1}
    assert payload["extra"]["password"] == "hunter2"


def test_values_orjson_cannot_write_still_get_every_rule() -> None:
    payload = {"big": 2**70, "note": f"card {CARD}"}
    scrubbed, raw = scrub_to_json(payload)
    assert raw is None
    assert scrubbed == {"big": 2**70, "note": f"card {FILTERED}"}
