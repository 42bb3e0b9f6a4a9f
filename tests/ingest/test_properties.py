"""Property tests: the ingest core never fails in ways that would become a 5xx."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from railguard.server.errors import BadRequest, PayloadTooLarge
from railguard.server.http_errors import status_of
from railguard.server.ingest.decompress import Decoder
from railguard.server.ingest.envelope import Envelope, parse_envelope
from railguard.server.ingest.event import normalize_sentry_event
from railguard.server.ingest.fingerprint import compute_grouping
from railguard.server.ingest.frames import RawException, RawFrame
from railguard.server.ingest.paths import reduce_path
from railguard.server.ingest.process import process_sentry_event
from railguard.server.ingest.scrub import scrub
from railguard.server.ingest.stacktrace_text import parse_stack_trace
from railguard.wire.models import PathRule

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 11, 22, 1, 33, 30, tzinfo=UTC)

# Bytes that look a bit like envelopes, so framing paths are reached, plus pure noise.
_envelope_lines = st.lists(
    st.sampled_from(
        [
            b"{}",
            b'{"type":"event"}',
            b'{"type":"event","length":2}',
            b'{"type":"x","length":0}',
            b'{"length":1}',
            b'{"a":1}',
            b"{",
            b"",
            b"\r",
            b"[]",
            b'"s"',
            b'{"type":"event","length":-3}',
        ]
    )
    | st.binary(max_size=20),
    max_size=8,
)


@SETTINGS
@given(st.one_of(st.binary(max_size=300), _envelope_lines.map(b"\n".join)))
def test_envelope_parser_total(data: bytes) -> None:
    try:
        envelope = parse_envelope(data)
    except BadRequest as exc:
        assert status_of(exc) == 400 and exc.message
        return
    assert isinstance(envelope, Envelope)
    for item in envelope.items:
        assert isinstance(item.payload, bytes) and item.type


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["gzip", "deflate", "br", "identity"]))
def test_decoder_total(data: bytes, encoding: str) -> None:
    try:
        decoder = Decoder(encoding, max_output=4096)
        decoder.feed(data)
        decoder.finish()
    except (BadRequest, PayloadTooLarge) as exc:
        assert status_of(exc) in (400, 413)


_trace_line = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "Traceback (most recent call last):",
            '  File "/srv/app/x.py", line 3, in f',
            "    at f (/srv/app/x.js:1:2)",
            "    at /x.js:1",
            "    at eval (eval at <anonymous> (",
            "f@https://x/app.js:1:2",
            "@",
            "app/x.rb:10:in 'm': boom (RuntimeError)",
            "\tfrom app/x.rb:3:in `b'",
            'Exception in thread "main" java.lang.X: m',
            "\tat a.B.c(B.java:1)",
            "\t... 3 more",
            "Caused by: x.Y",
            "\tSuppressed: x.Z",
            "ValueError: v",
        ]
    ),
)


@SETTINGS
@given(
    st.lists(_trace_line, max_size=12).map("\n".join),
    st.sampled_from([None, "python", "node", "javascript", "ruby", "java", "go"]),
)
def test_trace_parsers_never_raise(text: str, platform: str | None) -> None:
    parsed = parse_stack_trace(text, platform)
    assert len(parsed.frames) <= 250
    for frame in parsed.frames:
        assert frame.lineno is None or frame.lineno >= 0


_path = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.builds(
        lambda a, b: a + b,
        st.sampled_from(
            [
                "/",
                "./",
                "../",
                "app:///",
                "webpack://",
                "file:///",
                "C:\\",
                "https://h/",
                "node:",
                "<",
            ]
        ),
        st.text(alphabet="ab./\\-:?#%.", max_size=20),
    ),
)
_rules = st.lists(
    st.builds(
        PathRule,
        strip_prefix=st.one_of(st.just(""), st.just("/"), st.text(alphabet="ab/.:\\", max_size=8)),
        source_root=st.one_of(st.just(""), st.text(alphabet="ab/.\\", max_size=8)),
    ),
    max_size=3,
)


@SETTINGS
@given(
    _path,
    _path,
    st.one_of(st.none(), st.text(max_size=20)),
    st.sampled_from([None, "python", "java", "node"]),
    _rules,
)
def test_reduce_path_is_safe(
    filename: str | None,
    abs_path: str | None,
    module: str | None,
    platform: str | None,
    rules: list[PathRule],
) -> None:
    path, _original = reduce_path(
        filename=filename, abs_path=abs_path, module=module, platform=platform, rules=rules
    )
    if path is not None:
        assert path and not path.startswith("/") and "\\" not in path
        assert ".." not in path.split("/")
        assert "" not in path.split("/")


_frame = st.builds(
    RawFrame,
    filename=st.one_of(
        st.none(), st.sampled_from(["a/b.py", "/srv/x.js", "https://h/i-3a9b8c7d.js"])
    ),
    abs_path=st.one_of(st.none(), st.sampled_from(["/srv/app/a/b.py", "/srv/x.js", "/r/Q.rb"])),
    module=st.one_of(st.none(), st.sampled_from(["m.n", "svc:billing", "a/b"])),
    function=st.one_of(st.none(), st.sampled_from(["f", "Object.g [as h]", "?", "block in x"])),
    lineno=st.one_of(st.none(), st.integers(0, 10_000)),
    colno=st.one_of(st.none(), st.integers(0, 500)),
    in_app=st.one_of(st.none(), st.booleans()),
    context_line=st.one_of(st.none(), st.text(max_size=20)),
)
_exception = st.builds(
    RawException,
    type=st.one_of(st.none(), st.sampled_from(["KeyError", "TypeError"])),
    value=st.one_of(st.none(), st.text(max_size=30)),
    synthetic=st.booleans(),
    frames=st.lists(_frame, max_size=6),
)


@SETTINGS
@given(
    st.lists(_exception, max_size=4),
    st.sampled_from(["python", "node", "javascript", "ruby"]),
    st.randoms(use_true_random=False),
)
def test_fingerprint_ignores_line_numbers(
    exceptions: list[RawException], platform: str, rnd: random.Random
) -> None:
    before = compute_grouping(exceptions=exceptions, platform=platform)
    moved = copy.deepcopy(exceptions)
    for exc in moved:
        for frame in exc.frames:
            frame.lineno = rnd.randint(0, 100_000)
            frame.colno = rnd.choice([None, rnd.randint(0, 300)])
            frame.context_line = "changed"
            if frame.abs_path:  # directories change between deploys, the basename does not
                base = frame.abs_path.rsplit("/", 1)[-1]
                frame.abs_path = f"/deploy/{rnd.randint(0, 9)}/{base}"
    after = compute_grouping(exceptions=moved, platform=platform)
    assert after.hash == before.hash and after.parts == before.parts
    assert len(before.hash) == 64


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=15),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=25,
)
_keys = st.sampled_from(
    [
        "event_id",
        "timestamp",
        "level",
        "platform",
        "tags",
        "exception",
        "message",
        "logentry",
        "user",
        "request",
        "contexts",
        "extra",
        "fingerprint",
        "threads",
        "stacktrace",
        "breadcrumbs",
        "release",
        "environment",
        "values",
        "frames",
        "type",
        "value",
        "mechanism",
        "synthetic",
        "filename",
        "abs_path",
        "lineno",
        "in_app",
        "function",
        "module",
    ]
)
_event_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=15),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(_keys | st.text(max_size=5), children, max_size=6)
    ),
    max_leaves=40,
)


@SETTINGS
@given(
    st.dictionaries(_keys, _event_json, max_size=8),
    st.one_of(st.none(), st.dictionaries(st.sampled_from(["event_id", "sent_at"]), _json)),
)
def test_normaliser_and_processing_never_raise(
    payload: dict[str, Any], headers: dict[str, Any] | None
) -> None:
    event = normalize_sentry_event(
        payload, envelope_headers=headers, received_at=NOW, client_ip="203.0.113.9"
    )
    assert len(event.event_id) == 32
    processed = process_sentry_event(
        payload, envelope_headers=headers, received_at=NOW, client_ip=None, path_rules=[]
    )
    assert processed.occurred_at.tzinfo is not None
    assert len(processed.stack) <= 250


@SETTINGS
@given(_json)
def test_scrub_never_raises_and_copies(value: Any) -> None:
    before = copy.deepcopy(value)
    scrub(value)
    assert repr(value) == repr(before)
