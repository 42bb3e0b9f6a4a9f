"""PII scrubbing golden tests and commit detection."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from railguard.server.ingest.commit import commit_from, looks_like_sha
from railguard.server.ingest.scrub import FILTERED, MAX_DEPTH, scrub, scrub_string

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1y\nabc==\n-----END RSA PRIVATE KEY-----"

GOLDEN_IN: dict[str, Any] = {
    "event_id": "e8a54d0269104112805bcf804a5b8369",
    "request": {
        "url": "https://shop.example.com/checkout",
        "headers": {
            "Authorization": "Bearer abc.def.ghi",
            "Cookie": "sessionid=s3cr3t",
            "X-Sentry-Auth": "Sentry sentry_key=0123456789abcdef0123456789abcdef",
            "User-Agent": "curl/8.5",
            "X-Api-Key": "k-123",
        },
        "cookies": {"sessionid": "s3cr3t"},
        "data": {"card": "4111 1111 1111 1111", "note": "ok", "password": "hunter2"},
    },
    "user": {"id": "42", "email": "bob@example.com"},
    "extra": {
        "db": "postgres://app:p4ssw0rd@db.internal:5432/app",
        "log": "called with Bearer eyJhbGciOi.payload.sig for user",
        "pem": PEM,
        "count": 3,
        "order": "order 4111-1111-1111-1112 is not a card (Luhn fails)",
        "empty_token": None,
    },
    "exception": {
        "values": [
            {
                "type": "AuthError",
                "value": "login failed",
                "stacktrace": {
                    "frames": [
                        {
                            "function": "check_password_token",
                            "module": "app.auth_session",
                            "filename": "app/auth/session_token.py",
                            "abs_path": "/srv/app/auth/session_token.py",
                            "lineno": 10,
                            "vars": {"password": "'hunter2'", "user_id": "42"},
                        }
                    ]
                },
            }
        ]
    },
}

GOLDEN_OUT: dict[str, Any] = {
    "event_id": "e8a54d0269104112805bcf804a5b8369",
    "request": {
        "url": "https://shop.example.com/checkout",
        "headers": {
            "Authorization": FILTERED,
            "Cookie": FILTERED,
            "X-Sentry-Auth": FILTERED,
            "User-Agent": "curl/8.5",
            "X-Api-Key": FILTERED,
        },
        "cookies": FILTERED,
        "data": {"card": FILTERED, "note": "ok", "password": FILTERED},
    },
    "user": {"id": "42", "email": "bob@example.com"},
    "extra": {
        "db": f"postgres://app:{FILTERED}@db.internal:5432/app",
        "log": f"called with Bearer {FILTERED} for user",
        "pem": FILTERED,
        "count": 3,
        "order": "order 4111-1111-1111-1112 is not a card (Luhn fails)",
        "empty_token": None,
    },
    "exception": {
        "values": [
            {
                "type": "AuthError",
                "value": "login failed",
                "stacktrace": {
                    "frames": [
                        {
                            "function": "check_password_token",
                            "module": "app.auth_session",
                            "filename": "app/auth/session_token.py",
                            "abs_path": "/srv/app/auth/session_token.py",
                            "lineno": 10,
                            "vars": {"password": FILTERED, "user_id": "42"},
                        }
                    ]
                },
            }
        ]
    },
}


def test_golden() -> None:
    original = copy.deepcopy(GOLDEN_IN)
    assert scrub(GOLDEN_IN) == GOLDEN_OUT
    assert GOLDEN_IN == original  # a copy: the input is untouched


def test_header_pairs() -> None:
    headers = [["Authorization", "Sentry x"], ["Set-Cookie", "a=b"], ["Accept", "*/*"]]
    assert scrub({"headers": headers}) == {
        "headers": [["Authorization", FILTERED], ["Set-Cookie", FILTERED], ["Accept", "*/*"]]
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "card 4242424242424242 declined", f"card {FILTERED} declined", id="card-plain"
        ),
        pytest.param("card 4242-4242-4242-4242", f"card {FILTERED}", id="card-dashes"),
        pytest.param("amex 3782 822463 10005", f"amex {FILTERED}", id="amex-spaces"),
        pytest.param("id 4242424242424241", "id 4242424242424241", id="luhn-fails"),
        pytest.param("ts 1795311248806", "ts 1795311248806", id="timestamp-ms-luhn-fails"),
        pytest.param(
            "hash e8a54d0269104112805bcf804a5b8369",
            "hash e8a54d0269104112805bcf804a5b8369",
            id="hex-id-untouched",
        ),
        pytest.param(
            "AUTHORIZATION: bearer abc123==", f"AUTHORIZATION: Bearer {FILTERED}", id="bearer-case"
        ),
        pytest.param(
            "redis://:pw@cache:6379/0", f"redis://:{FILTERED}@cache:6379/0", id="userinfo-no-user"
        ),
        pytest.param("https://user@host/x", "https://user@host/x", id="userinfo-without-password"),
        pytest.param("before " + PEM + " after", f"before {FILTERED} after", id="pem"),
        pytest.param("-----BEGIN PRIVATE KEY-----\nMII truncated", FILTERED, id="pem-truncated"),
        pytest.param("plain text", "plain text", id="plain"),
    ],
)
def test_scrub_string(text: str, expected: str) -> None:
    assert scrub_string(text) == expected


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWD",
        "client_secret",
        "api_key",
        "apiKey",
        "X-Api-Key",
        "auth",
        "credentials",
        "mysql_pwd",
        "private_key",
        "access_token",
        "Cookie",
        "session",
        "sessionid",
        "Authorization",
    ],
)
def test_sensitive_keys(key: str) -> None:
    assert scrub({key: "value"}) == {key: FILTERED}


def test_depth_is_bounded() -> None:
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 50):
        deep = {"d": deep}
    result = scrub(deep)
    depth = 0
    while isinstance(result, dict):
        result = result["d"]
        depth += 1
    assert depth <= MAX_DEPTH + 1
    assert result == "[depth limit]"


def test_scalars_and_tuples() -> None:
    assert scrub(("a", 1, None, 2.5, True)) == ["a", 1, None, 2.5, True]
    assert scrub(7) == 7


# --- commits ---------------------------------------------------------------------------------

SHA40 = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"


@pytest.mark.parametrize(
    ("native", "release", "tags", "expected"),
    [
        pytest.param("ABCDEF1", "myapp@" + SHA40, {}, ("abcdef1", "native"), id="native-wins"),
        pytest.param("zzz", SHA40, {}, (SHA40, "release"), id="bad-native-ignored"),
        pytest.param(None, SHA40.upper(), {}, (SHA40, "release"), id="bare-sha-release"),
        pytest.param(None, "myapp@" + SHA40[:12], {}, (SHA40[:12], "release"), id="at-sha"),
        pytest.param(None, "v1.2-abc1234", {}, ("abc1234", "release"), id="dash-short-sha"),
        pytest.param(None, "v1.2.3-4-gabc1234", {}, ("abc1234", "release"), id="git-describe"),
        pytest.param(None, "1.0.0+deadbeef", {}, ("deadbeef", "release"), id="plus-build-metadata"),
        pytest.param(None, "builds/cafe1234", {}, ("cafe1234", "release"), id="slash"),
        pytest.param(None, "a" * 64, {}, ("a" * 64, "release"), id="sha256"),
        pytest.param(None, "a" * 50, {}, (None, "none"), id="50-hex-not-a-sha"),
        pytest.param(None, "build-20240101", {}, (None, "none"), id="numeric-run"),
        pytest.param(None, "1" * 40, {}, ("1" * 40, "release"), id="numeric-40"),
        pytest.param(None, "myapp@1.2.3", {}, (None, "none"), id="semver"),
        pytest.param(None, "myappabc1234", {}, (None, "none"), id="no-separator"),
        pytest.param(
            None, "myapp@1.2.3", {"commit": "ABC1234"}, ("abc1234", "tag"), id="tag-commit"
        ),
        pytest.param(None, None, {"git_commit": SHA40}, (SHA40, "tag"), id="tag-git-commit"),
        pytest.param(None, None, {"revision": "12345678"}, (None, "none"), id="tag-svn-revision"),
        pytest.param(None, None, {"sha": SHA40}, (None, "none"), id="other-tag-ignored"),
        pytest.param(None, None, {}, (None, "none"), id="nothing"),
    ],
)
def test_commit_from(
    native: str | None, release: str | None, tags: dict[str, str], expected: tuple[str | None, str]
) -> None:
    assert commit_from(native_sha=native, release=release, tags=tags) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("abc1234", True), ("abc123", False), ("1234567", False), ("g" * 7, False), ("A" * 41, False)],
)
def test_looks_like_sha(value: str, expected: bool) -> None:
    assert looks_like_sha(value) is expected
