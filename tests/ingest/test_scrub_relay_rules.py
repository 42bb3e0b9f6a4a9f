"""The string rules beyond keys: `password=…` pairs, URL tokens, SSNs, CVVs, and the per-project
email and IP rules; and the per-payload fast path never skips a rule some string needs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from railguard.server.ingest import scrub_text
from railguard.server.ingest.scrub import FILTERED, ScrubPolicy, scrub, scrub_string
from railguard.server.ingest.scrub_text import EMAIL_TOKEN, IP_TOKEN

BOTH = ScrubPolicy(emails=True, ip_addresses=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login failed password=hunter2 for bob", f"login failed password={FILTERED} for bob"),
        ("db_password = s3cr3t;", f"db_password = {FILTERED};"),
        ("PASSWORD: hunter2", f"PASSWORD: {FILTERED}"),
        ('config {"password": "hunter2"}', f'config {{"password": "{FILTERED}"}}'),
        ("pwd='x y z' next", f"pwd='{FILTERED}' next"),
        (
            "GET https://api.example.com/reset?token=abc123&next=/home",
            f"GET https://api.example.com/reset?token={FILTERED}&next=/home",
        ),
        (
            "https://s3.example.com/f?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/x",
            f"https://s3.example.com/f?X-Amz-Signature={FILTERED}&X-Amz-Credential={FILTERED}",
        ),
        ("a=1&access_token=xyz&b=2", f"a=1&access_token={FILTERED}&b=2"),
        ("sig=abc", f"sig={FILTERED}"),
        ("card cvv=123 exp=12/29", f"card cvv={FILTERED} exp=12/29"),
        ("ssn 078-05-1120 on file", f"ssn {FILTERED} on file"),
        # Not secrets: the key is not sensitive, or `:` after a non-password key (a message).
        ("retries=3 timeout=10", "retries=3 timeout=10"),
        ("invalid token: expired", "invalid token: expired"),
        ("design=flat", "design=flat"),
        ("classname=Foo", "classname=Foo"),
        # Not SSNs: invalid areas, dates, UUID parts.
        ("id 000-12-3456", "id 000-12-3456"),
        ("id 666-12-3456 and 900-12-3456", "id 666-12-3456 and 900-12-3456"),
        ("on 2026-12-02", "on 2026-12-02"),
        ("uuid 123e4567-e89b-12d3-a456-426614174000", "uuid 123e4567-e89b-12d3-a456-426614174000"),
        # Emails and IPs stay by default.
        ("mail bob@example.com from 10.0.0.7", "mail bob@example.com from 10.0.0.7"),
    ],
)
def test_default_string_rules(text: str, expected: str) -> None:
    assert scrub_string(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail bob.smith+x@mail.example.co.uk now", f"mail {EMAIL_TOKEN} now"),
        ("from 10.0.0.7 via 192.168.1.254", f"from {IP_TOKEN} via {IP_TOKEN}"),
        ("v6 2001:db8::1 and fe80::1ff:fe23:4567:890a", f"v6 {IP_TOKEN} and {IP_TOKEN}"),
        ("not an ip 999.1.1.1", "not an ip 999.1.1.1"),
        ("at 12:30:45", "at 12:30:45"),
        ("Chrome/120.0.0.0 Safari", "Chrome/120.0.0.0 Safari"),
        ("pkg react@18.2.0 ok", "pkg react@18.2.0 ok"),
    ],
)
def test_policy_rules(text: str, expected: str) -> None:
    assert scrub_string(text, BOTH) == expected


@pytest.mark.parametrize(
    "key", ["cvv", "CVC", "cvv2", "card_verification", "ssn", "X-Amz-Signature"]
)
def test_more_sensitive_keys(key: str) -> None:
    assert scrub({key: "value"}) == {key: FILTERED}


@pytest.mark.parametrize("key", ["classname", "lessons", "design", "passenger"])
def test_short_names_are_exact_not_substrings(key: str) -> None:
    assert scrub({key: "value"}) == {key: "value"}


def test_user_email_and_ip_follow_the_policy() -> None:
    event = {"user": {"email": "bob@example.com", "ip_address": "203.0.113.9", "id": "42"}}
    assert scrub(event) == event
    scrubbed = {"user": {"email": EMAIL_TOKEN, "ip_address": IP_TOKEN, "id": "42"}}
    assert scrub(event, BOTH) == scrubbed


def test_frame_source_lines_keep_their_text_but_lose_real_secrets() -> None:
    line = 'ADMIN = "ops@example.com"  # password=hunter2 ssn 078-05-1120'
    frame = {
        "context_line": line,
        "pre_context": [line, "TOKEN = 'Bearer abc.def'"],
        "vars": {"note": line},
    }
    scrubbed = scrub({"frames": [frame]}, BOTH)["frames"][0]
    assert scrubbed["context_line"] == line
    assert scrubbed["pre_context"] == [line, f"TOKEN = 'Bearer {FILTERED}'"]
    assert scrubbed["vars"]["note"] == (
        f'ADMIN = "{EMAIL_TOKEN}"  # password={FILTERED} ssn {FILTERED}'
    )


def test_query_string_as_pairs_and_as_text() -> None:
    request = {"query_string": [["token", "abc"], ["page", "2"]], "url": "https://x/y?api_key=k"}
    assert scrub({"request": request}) == {
        "request": {
            "query_string": [["token", FILTERED], ["page", "2"]],
            "url": f"https://x/y?api_key={FILTERED}",
        }
    }


_TRIGGERS = [
    "password=hunter2",
    'say \\"password\\": \\"x\\"',
    'q "pwd": "x"',
    "sessionid=abc",
    "078-05-1120",
    "bob@example.com",
    "10.1.2.3",
    "2001:db8::1",
    "4111 1111 1111 1111",
    "Bearer abc",
    "https://u:p@h",
]
_strings = st.one_of(
    st.sampled_from(_TRIGGERS),
    st.text(alphabet="abc =:@.-/0123456789\"'\\\n", max_size=40),
    st.builds(
        lambda a, b, c: a + b + c,
        st.text(max_size=5),
        st.sampled_from(_TRIGGERS),
        st.text(max_size=5),
    ),  # fmt: skip
)
_payloads: st.SearchStrategy[Any] = st.recursive(
    _strings | st.integers() | st.none(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["note", "msg", "data", "x"]), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_payloads, st.booleans(), st.booleans())
def test_fast_path_equals_every_rule_on_every_string(payload: Any, emails: bool, ips: bool) -> None:
    policy = ScrubPolicy(emails=emails, ip_addresses=ips)
    every = scrub_text.possible_rules(None, policy)

    def slow(value: Any, in_list: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: slow(v) for k, v in value.items()}
        if isinstance(value, list):
            pair = len(value) == 2 and isinstance(value[0], str) and value[1] is not None
            if in_list and pair and scrub_text.is_sensitive_key(value[0]):  # [[name, value]…]
                return [slow(value[0]), FILTERED]
            return [slow(v, in_list=True) for v in value]
        if isinstance(value, str):
            return scrub_text.scrub_string(value, every)
        return value

    assert scrub(payload, policy) == slow(payload)
