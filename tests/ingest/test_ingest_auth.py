"""Sentry auth sources (docs/sentry-protocol.md §2)."""

from __future__ import annotations

import pytest

from railguard.server.errors import Unauthorized
from railguard.server.http_errors import status_of
from railguard.server.ingest.sentry_auth import (
    extract_native_key,
    extract_public_key,
    parse_sentry_auth,
)

KEY = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
PY_AUTH = f"Sentry sentry_key={KEY}, sentry_version=7, sentry_client=sentry.python/2.75.0"
RUBY_AUTH = (
    f"Sentry sentry_version=7, sentry_timestamp=1719856800, sentry_key={KEY}, "
    "sentry_client=sentry-ruby/6.6.2"
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            PY_AUTH,
            {"sentry_key": KEY, "sentry_version": "7", "sentry_client": "sentry.python/2.75.0"},
            id="python",
        ),
        pytest.param(
            RUBY_AUTH,
            {
                "sentry_key": KEY,
                "sentry_version": "7",
                "sentry_timestamp": "1719856800",
                "sentry_client": "sentry-ruby/6.6.2",
            },
            id="ruby-with-timestamp",
        ),
        pytest.param(
            f"sentry  sentry_key = {KEY} ,sentry_version=7.0",
            {"sentry_key": KEY, "sentry_version": "7"},
            id="spacing-and-version-dot",
        ),
        pytest.param(
            f"SENTRY sentry_key={KEY}, other=1, junk",
            {"sentry_key": KEY},
            id="non-sentry-keys-dropped",
        ),
        pytest.param(
            f"Sentry sentry_key={KEY}, sentry_secret=s3cr3t",
            {"sentry_key": KEY, "sentry_secret": "s3cr3t"},
            id="secret-accepted",
        ),
        pytest.param("Sentry", {}, id="scheme-only"),
    ],
)
def test_parse_sentry_auth(header: str, expected: dict[str, str]) -> None:
    assert parse_sentry_auth(header) == expected


def test_parse_sentry_auth_wrong_scheme() -> None:
    with pytest.raises(Unauthorized):
        parse_sentry_auth(f"Bearer {KEY}")


@pytest.mark.parametrize(
    ("headers", "query", "dsn", "expected"),
    [
        pytest.param({"X-Sentry-Auth": PY_AUTH}, {}, None, KEY, id="python-header"),
        pytest.param({"x-sentry-auth": PY_AUTH}, {}, None, KEY, id="header-case-insensitive"),
        pytest.param({"Authorization": PY_AUTH}, {}, None, KEY, id="authorization-sentry"),
        pytest.param({}, {"sentry_key": KEY, "sentry_version": "7"}, None, KEY, id="node-query"),
        pytest.param({}, {}, f"https://{KEY}@errors.example.com/42", KEY, id="tunnel-dsn"),
        pytest.param(
            {"X-Sentry-Auth": RUBY_AUTH},
            {},
            f"https://{KEY}@errors.example.com/42",
            KEY,
            id="ruby-header-and-dsn",
        ),
        pytest.param(
            {"X-Sentry-Auth": PY_AUTH},
            {"sentry_key": KEY.upper()},
            None,
            KEY,
            id="agree-case-insensitive",
        ),
        pytest.param(
            {"X-Sentry-Auth": PY_AUTH, "Authorization": "Bearer abc"},
            {},
            None,
            KEY,
            id="bearer-ignored",
        ),
        pytest.param(
            {}, {}, f"https://{KEY}:@errors.example.com/railguard/42", KEY, id="dsn-empty-secret"
        ),
    ],
)
def test_extract_public_key(
    headers: dict[str, str], query: dict[str, str], dsn: str | None, expected: str
) -> None:
    assert extract_public_key(headers=headers, query=query, envelope_dsn=dsn) == expected


@pytest.mark.parametrize(
    ("headers", "query", "dsn", "reason"),
    [
        pytest.param({}, {}, None, "missing authorization information", id="none"),
        pytest.param(
            {"X-Sentry-Auth": PY_AUTH},
            {"sentry_key": OTHER},
            None,
            "multiple authorization payloads detected",
            id="header-vs-query",
        ),
        pytest.param(
            {"X-Sentry-Auth": PY_AUTH},
            {},
            f"https://{OTHER}@h/42",
            "multiple authorization payloads detected",
            id="header-vs-dsn",
        ),
        pytest.param(
            {},
            {"sentry_key": "e8a54d02-6910-4112-805b-cf804a5b8369"},
            None,
            "invalid public key in query",
            id="dashed-key",
        ),
        pytest.param(
            {}, {"sentry_key": "abc"}, None, "invalid public key in query", id="short-key"
        ),
        pytest.param(
            {"X-Sentry-Auth": "Sentry sentry_version=7"},
            {},
            None,
            "missing sentry_key in X-Sentry-Auth",
            id="header-without-key",
        ),
        pytest.param(
            {"X-Sentry-Auth": f"Basic {KEY}"},
            {},
            None,
            "unsupported authorization scheme",
            id="wrong-scheme",
        ),
        pytest.param(
            {},
            {},
            "https://errors.example.com/42",
            "invalid dsn in envelope header",
            id="dsn-without-key",
        ),
        pytest.param(
            {}, {}, "http://[::1/42", "invalid dsn in envelope header", id="dsn-unparseable"
        ),
    ],
)
def test_extract_public_key_refused(
    headers: dict[str, str], query: dict[str, str], dsn: str | None, reason: str
) -> None:
    with pytest.raises(Unauthorized) as info:
        extract_public_key(headers=headers, query=query, envelope_dsn=dsn)
    assert info.value.message == reason
    assert status_of(info.value) == 401


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        pytest.param({"X-Railguard-Key": KEY}, {}, KEY, id="native-header"),
        pytest.param({"x-railguard-key": KEY.upper()}, {}, KEY, id="native-header-case"),
        pytest.param({"X-Sentry-Auth": PY_AUTH}, {}, KEY, id="sentry-header"),
        pytest.param({"X-Railguard-Key": KEY}, {"sentry_key": KEY}, KEY, id="agreeing"),
    ],
)
def test_extract_native_key(headers: dict[str, str], query: dict[str, str], expected: str) -> None:
    assert extract_native_key(headers=headers, query=query) == expected


@pytest.mark.parametrize(
    ("headers", "query", "reason"),
    [
        pytest.param({}, {}, "missing authorization information", id="none"),
        pytest.param(
            {"X-Railguard-Key": KEY},
            {"sentry_key": OTHER},
            "multiple authorization payloads detected",
            id="conflict",
        ),
        pytest.param(
            {"X-Railguard-Key": "nope"}, {}, "invalid public key in X-Railguard-Key", id="bad"
        ),
    ],
)
def test_extract_native_key_refused(
    headers: dict[str, str], query: dict[str, str], reason: str
) -> None:
    with pytest.raises(Unauthorized, match=reason):
        extract_native_key(headers=headers, query=query)
