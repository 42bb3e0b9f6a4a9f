"""The bad-input matrix over real HTTP: bombs, oversized bodies and items, malformed input,
wrong and revoked keys, rate limits; and the server keeps serving afterwards.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import http.client
import json
import os
import resource
import struct
import time
import zlib
from collections.abc import Callable

import brotli
import orjson
import pytest
from e2e import Ctx, envelope, event_count, event_envelope, new_project, sentry_event
from hypothesis import given
from hypothesis import settings as hp_settings
from hypothesis import strategies as st

from railguard.server.settings import Settings
from railguard.wire.models import NativeEvent
from support import Api

MiB = 1024 * 1024
NATIVE_FIELDS = sorted(NativeEvent.model_fields)


@functools.cache
def gzip_bomb(mib: int) -> bytes:
    """`mib` MiB of zeros, gzip-compressed while streaming (1 GiB → ~1 MB)."""
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    zeros = bytes(MiB)
    return b"".join([comp.compress(zeros) for _ in range(mib)] + [comp.flush()])


def raw_deflate_bomb(mib: int) -> bytes:
    return gzip_bomb(mib)[10:-8]  # the gzip member's deflate stream, header and trailer off


def zlib_bomb(mib: int) -> bytes:
    adler = 1
    zeros = bytes(MiB)
    for _ in range(mib):
        adler = zlib.adler32(zeros, adler)
    return b"\x78\x01" + raw_deflate_bomb(mib) + struct.pack(">I", adler)


@functools.cache
def br_bomb(mib: int) -> bytes:
    comp = brotli.Compressor(quality=5)
    zeros = bytes(MiB)
    return b"".join([comp.process(zeros) for _ in range(mib)] + [comp.finish()])


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


async def assert_refused(resp: object, status: int) -> None:
    from aiohttp import ClientResponse

    assert isinstance(resp, ClientResponse)
    assert resp.status == status, await resp.text()
    reason = resp.headers.get("X-Sentry-Error")
    assert reason, "every refusal names its reason"
    assert (await resp.json())["detail"] == reason
    assert "Retry-After" not in resp.headers or status == 429


@pytest.mark.parametrize(
    ("encoding", "bomb"),
    [
        pytest.param("gzip", lambda: gzip_bomb(1024), id="gzip-1GiB"),
        pytest.param("deflate", lambda: zlib_bomb(1024), id="deflate-zlib-1GiB"),
        pytest.param("deflate", lambda: raw_deflate_bomb(1024), id="deflate-raw-1GiB"),
        pytest.param("br", lambda: br_bomb(1024), id="br-1GiB"),
    ],
)
async def test_decompression_bomb_is_refused_fast_with_bounded_memory(
    ctx: Ctx, database_url: str, encoding: str, bomb: Callable[[], bytes]
) -> None:
    body = bomb()
    assert len(body) < 20 * MiB  # under the compressed cap: the decompressed cap must act
    rss_before = _maxrss_mib()
    started = time.monotonic()
    resp = await ctx.send(body, Content_Encoding=encoding)
    elapsed = time.monotonic() - started
    await assert_refused(resp, 413)
    assert "decompressed" in resp.headers["X-Sentry-Error"]
    assert elapsed < 5, f"a bomb took {elapsed:.1f}s to refuse"
    # The decoded bytes are capped at 100 MiB; a server inflating the whole GiB would show here.
    assert _maxrss_mib() - rss_before < 400
    assert await event_count(database_url) == 0


async def test_decompressed_cap_is_the_configured_one(ctx: Ctx, settings: Settings) -> None:
    settings.max_request_decompressed = 4 * MiB
    resp = await ctx.send(br_bomb(5), Content_Encoding="br")
    await assert_refused(resp, 413)
    resp = await ctx.send(br_bomb(3) + b"", Content_Encoding="br")
    assert resp.status == 400  # within the cap: 3 MiB of zeros is decoded, then not an envelope


async def test_compressed_cap_is_enforced_on_the_wire_bytes(ctx: Ctx, settings: Settings) -> None:
    # Incompressible data: the wire cap (20 MiB) trips before decompression matters.
    body = gzip.compress(os.urandom(21 * MiB), compresslevel=1)
    resp = await ctx.send(body, Content_Encoding="gzip")
    await assert_refused(resp, 413)
    assert "request body exceeds" in resp.headers["X-Sentry-Error"]
    # The cap is a setting; lowered, a small plain body over it is refused the same way.
    settings.max_request_compressed = 64 * 1024
    resp = await ctx.send(event_envelope(sentry_event(extra={"pad": "x" * 70_000})))
    await assert_refused(resp, 413)


@pytest.mark.parametrize("lengths", [True, False], ids=["with-length", "without-length"])
async def test_event_item_over_1_mib_is_413(ctx: Ctx, database_url: str, lengths: bool) -> None:
    big = sentry_event(extra={"blob": "y" * (MiB + 10)})
    resp = await ctx.send(event_envelope(big, lengths=lengths))
    await assert_refused(resp, 413)
    assert await event_count(database_url) == 0


MALFORMED = [
    pytest.param(b"", "", id="empty-body"),
    pytest.param(b"not json\n{}\n{}", "", id="envelope-header-not-json"),
    pytest.param(b"[1, 2]\n", "", id="envelope-header-not-object"),
    pytest.param(b'{}\n{"type":"event","length":500}\n{"a":1}', "", id="length-past-eof"),
    pytest.param(b'{}\n{"type":"event","length":2}\n{}XX', "", id="no-newline-after-length"),
    pytest.param(b'{}\n{"length":2}\n{}', "", id="item-without-type"),
    pytest.param(b'{}\n{"type":"event","length":-1}\n{}', "", id="negative-length"),
    pytest.param(b'{}\n{"type":"event"}\n{"unterminated', "", id="event-json-invalid"),
    pytest.param(b'{}\n{"type":"event"}\n[1,2,3]', "", id="event-json-not-object"),
    pytest.param(b"\x1f\x8b\x08\x00garbage", "gzip", id="corrupt-gzip"),
    pytest.param(gzip.compress(event_envelope())[:-20], "gzip", id="truncated-gzip"),
    pytest.param(b"\x78\x9cnot deflate at all", "deflate", id="corrupt-deflate"),
    pytest.param(b"\xff\xff\xff\xff", "br", id="corrupt-br"),
    pytest.param(gzip.compress(event_envelope()) + b"junk", "gzip", id="gzip-trailing-junk"),
    pytest.param(event_envelope(), "zstd", id="unknown-encoding-zstd"),
    pytest.param(event_envelope(), "compress", id="unknown-encoding-compress"),
    pytest.param(event_envelope(), "gzip, br", id="stacked-encodings"),
]


@pytest.mark.parametrize(("body", "encoding"), MALFORMED)
async def test_malformed_input_is_400_with_a_reason(
    ctx: Ctx, database_url: str, body: bytes, encoding: str
) -> None:
    resp = await ctx.send(body, Content_Encoding=encoding) if encoding else await ctx.send(body)
    await assert_refused(resp, 400)
    assert await event_count(database_url) == 0


async def test_unknown_key_and_foreign_key_get_the_same_401(ctx: Ctx, api: Api) -> None:
    other = await new_project(api)
    unknown = await ctx.send(event_envelope(), key="0123456789abcdef0123456789abcdef")
    foreign = await ctx.send(event_envelope(), key=other.key)
    for resp in (unknown, foreign):
        await assert_refused(resp, 401)
    assert unknown.headers["X-Sentry-Error"] == foreign.headers["X-Sentry-Error"]
    assert await unknown.read() == await foreign.read()
    # And the native API's project-scoped path answers the same way.
    resp = await ctx.native({"message": "x"}, key=other.key, path=f"/api/v1/events/{ctx.pid}")
    assert resp.status == 401
    assert await ctx.incidents() == [] and await other.incidents() == []


async def test_malformed_key_is_401(ctx: Ctx) -> None:
    resp = await ctx.send(event_envelope(), key="not-a-key")
    await assert_refused(resp, 401)


async def test_revoked_key_is_403(ctx: Ctx) -> None:
    assert (await ctx.send(event_envelope())).status == 200
    key_id = ctx.project["ingest_key"]["id"]
    resp = await ctx.client.delete(f"/api/v1/projects/{ctx.pid}/keys/{key_id}", headers=ctx.headers)
    assert resp.status == 200
    for body in (event_envelope(), gzip.compress(event_envelope())):
        resp = await ctx.send(body, Content_Encoding="gzip" if body[:2] == b"\x1f\x8b" else "")
        await assert_refused(resp, 403)
        assert resp.headers["X-Sentry-Error"] == "key revoked"
    resp = await ctx.native({"message": "after revoke"})
    assert resp.status == 403
    (incident,) = await ctx.incidents()
    assert incident["event_count"] == 1


async def test_rate_limit_admits_exactly_the_quota_then_429(ctx: Ctx, database_url: str) -> None:
    limited = await ctx.new_key(rate_limit_per_minute=5)
    statuses = []
    for _ in range(8):
        resp = await ctx.send(event_envelope(), key=limited)
        statuses.append(resp.status)
        if resp.status == 200:
            assert "Retry-After" not in resp.headers
            assert "X-Sentry-Rate-Limits" not in resp.headers
        else:
            await assert_refused(resp, 429)
            retry = resp.headers["Retry-After"]
            assert retry.isdigit() and int(retry) >= 1
            limits = resp.headers["X-Sentry-Rate-Limits"]
            secs, categories, scope, *_ = limits.split(":")
            assert secs == retry and categories == "" and scope == "key"
    assert statuses == [200] * 5 + [429] * 3
    assert await event_count(database_url) == 5
    # Another key of the same project is unaffected, over both ingest APIs.
    assert (await ctx.send(event_envelope())).status == 200
    assert (await ctx.native({"message": "fine"})).status == 201
    # The native API answers the same limit with the same headers.
    resp = await ctx.native({"message": "limited"}, key=limited)
    assert resp.status == 429
    assert resp.headers["Retry-After"].isdigit() and "X-Sentry-Rate-Limits" in resp.headers


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(sentry_event(lineno=2**40), id="lineno-beyond-int32"),
        pytest.param(sentry_event(lineno=2**70), id="lineno-beyond-int64"),
        pytest.param(sentry_event(value="nul \x00 in value", tags={"t": "a\x00b"},
                                  extra={"k\x00": "v\x00"}), id="nul-characters"),
        pytest.param(sentry_event(environment="prod\nstaging"), id="newline-environment"),
        pytest.param({**sentry_event(), "timestamp": 1e300, "level": {"x": 1}, "tags": [[1, 2]],
                      "exception": {"values": [{"stacktrace": {"frames": [{"lineno": -5,
                                                                           "colno": 1e20}]}}]}},
                     id="odd-types"),
    ],
)  # fmt: skip
async def test_edge_values_are_stored_never_500_or_overload(
    ctx: Ctx, database_url: str, event: dict[str, object]
) -> None:
    resp = await ctx.send(event_envelope(event))
    assert resp.status == 200, await resp.text()
    assert await event_count(database_url) == 1


async def test_one_poisoned_event_does_not_sink_its_batch(ctx: Ctx, settings: Settings) -> None:
    import asyncio

    good = [ctx.send(event_envelope(sentry_event(value=str(i)))) for i in range(20)]
    bad = ctx.native({"message": "x", "frames": [{"filename": "a.py", "lineno": 2**40}]})
    results = await asyncio.gather(bad, *good)
    assert [r.status for r in results[1:]] == [200] * 20
    assert results[0].status < 500 and results[0].status != 429


async def test_server_keeps_serving_after_the_matrix(ctx: Ctx, database_url: str) -> None:
    await ctx.send(gzip_bomb(1024), Content_Encoding="gzip")
    await ctx.send(b"garbage")
    await ctx.send(event_envelope(), key="f" * 32)
    await ctx.send(envelope(("event", b"{" * 5000)))
    resp = await ctx.client.get("/api/v1/health")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ok"
    resp = await ctx.send(event_envelope())
    assert resp.status == 200
    assert await event_count(database_url) == 1
    assert orjson.loads(await resp.read())["id"]


# --- property: no input produces a 5xx ---------------------------------------------------

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_FRAME = st.dictionaries(
    st.sampled_from(["filename", "abs_path", "module", "function", "lineno", "colno", "in_app",
                     "context_line", "pre_context", "platform"]),
    _JSON, max_size=6,
)  # fmt: skip
_EXCEPTION = st.dictionaries(
    st.sampled_from(["type", "value", "module", "mechanism", "stacktrace"]),
    _JSON | st.fixed_dictionaries({"frames": st.lists(_FRAME, max_size=4)}),
    max_size=5,
)
_EVENT_KEYS = [
    "event_id", "timestamp", "level", "platform", "message", "logentry", "tags", "user",
    "request", "contexts", "breadcrumbs", "fingerprint", "release", "environment", "extra",
    "transaction", "logger", "threads", "stacktrace",
]  # fmt: skip
_EVENT = st.builds(
    lambda fields, excs: {**fields, "exception": {"values": excs}} if excs else fields,
    st.dictionaries(st.sampled_from(_EVENT_KEYS), _JSON, max_size=6),
    st.lists(_EXCEPTION, max_size=3),
)
_ITEMS = st.lists(
    st.tuples(st.sampled_from(["event", "session", "attachment", "transaction", "mystery"]),
              _EVENT | st.binary(max_size=40)),
    max_size=3,
)  # fmt: skip
_BODY = st.one_of(
    st.binary(max_size=300),
    _EVENT.map(lambda e: envelope(("event", e))),
    st.builds(lambda items, lengths, head: envelope(*items, lengths=lengths, headers=head),
              _ITEMS, st.booleans(), st.dictionaries(st.sampled_from(["event_id", "dsn", "sdk"]),
                                                     _JSON, max_size=2)),
)  # fmt: skip
_ENCODE: dict[str, Callable[[bytes], bytes]] = {
    "": lambda b: b, "gzip": gzip.compress, "br": brotli.compress, "deflate": zlib.compress,
}  # fmt: skip


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


async def test_arbitrary_bodies_never_get_a_5xx(ctx: Ctx) -> None:
    """Hypothesis drives a blocking HTTP client in a worker thread while the server runs on
    this loop, so no async fixture is shared with hypothesis's own example loop."""
    port = ctx.client.port
    assert port is not None
    seen: set[int] = set()

    @hp_settings(max_examples=100, deadline=None, database=None)
    @given(body=_BODY, encoding=st.sampled_from(sorted(_ENCODE)))
    def envelopes(body: bytes, encoding: str) -> None:
        headers = {**ctx.auth(), "Content-Encoding": encoding}
        status = _post(port, f"/api/{ctx.pid}/envelope/", _ENCODE[encoding](body), headers)
        seen.add(status)
        # No quota is set, so a 429 here could only mean the writer was overwhelmed or broken.
        assert status < 500 and status != 429, status

    @hp_settings(max_examples=60, deadline=None, database=None)
    @given(event=st.dictionaries(st.sampled_from([*NATIVE_FIELDS, "bogus"]), _JSON, max_size=6))
    def native(event: dict[str, object]) -> None:
        body = json.dumps(event).encode()
        status = _post(port, "/api/v1/events", body, {"X-Railguard-Key": ctx.key})
        seen.add(status)
        assert status in (200, 201, 400, 422), status

    await asyncio.to_thread(envelopes)
    await asyncio.to_thread(native)
    assert 200 in seen and 400 in seen  # the strategies reach both sides
