"""The Sentry envelope and store endpoints over real HTTP: URL forms, auth sources, encodings,
framing variants, skipped items, legacy store bodies, responses and CORS
(docs/sentry-protocol.md §1-§7).
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import brotli
import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e import (
    Ctx,
    envelope,
    event_count,
    event_envelope,
    event_id,
    new_project,
    sentry_event,
)
from yarl import URL

from railguard.server.app import create_app
from railguard.server.settings import Settings
from support import Api, free_port

CORS_EXPOSED = {"x-sentry-error", "x-sentry-rate-limits", "retry-after"}


def _raw_deflate(data: bytes) -> bytes:
    obj = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return obj.compress(data) + obj.flush()


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/{pid}/envelope/", id="canonical"),
        pytest.param("/api/{pid}/envelope", id="no-trailing-slash"),
        pytest.param("//api//{pid}///envelope//", id="repeated-slashes"),
        pytest.param("/api/{pid}/envelope/?sentry_version=7", id="query-string"),
    ],
)
async def test_url_forms_sdks_produce_are_accepted(ctx: Ctx, path: str) -> None:
    event = sentry_event()
    # The raw URL, so that neither the test client nor yarl tidies the slashes.
    url = URL(f"http://{ctx.client.host}:{ctx.client.port}{path.format(pid=ctx.pid)}", encoded=True)
    resp = await ctx.client.session.post(url, data=event_envelope(event), headers=ctx.auth())
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"id": event["event_id"]}
    (incident,) = await ctx.incidents()
    assert incident["event_count"] == 1


async def test_dsn_path_prefix_routes_when_public_url_has_a_path(settings: Settings) -> None:
    prefixed = settings.model_copy(update={"public_url": "http://127.0.0.1:8000/railguard/"})
    server = TestServer(create_app(prefixed), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        ctx = await new_project(Api(client))
        assert ctx.project["dsn"].endswith(f"@127.0.0.1:8000/railguard/{ctx.pid}")
        for path in (f"/railguard/api/{ctx.pid}/envelope/", f"/api/{ctx.pid}/envelope/"):
            resp = await client.post(path, data=event_envelope(), headers=ctx.auth())
            assert resp.status == 200, (path, await resp.text())
        (incident,) = await ctx.incidents()
        assert incident["event_count"] == 2


AuthMaker = Callable[[str], tuple[str, dict[str, str], dict[str, Any]]]
AUTH_FORMS: list[Any] = [
    pytest.param(lambda k: ("", {"X-Sentry-Auth": f"Sentry sentry_key={k}, sentry_version=7, "
                                 "sentry_client=sentry.python/2.75.0"}, {}), id="x-sentry-auth"),
    pytest.param(lambda k: ("", {"Authorization": f"Sentry sentry_key={k},sentry_version=7"}, {}),
                 id="authorization-sentry"),
    pytest.param(lambda k: (f"?sentry_version=7&sentry_key={k}&sentry_client=x%2F1", {}, {}),
                 id="query"),
    pytest.param(lambda k: ("", {}, {"dsn": f"http://{k}@127.0.0.1:8000/1"}), id="envelope-dsn"),
    pytest.param(lambda k: ("", {"X-Sentry-Auth": f"sentry sentry_key={k.upper()}, "
                                 "sentry_timestamp=1719856800, sentry_version=7.0"},
                            {"dsn": f"http://{k}@127.0.0.1:8000/1"}), id="ruby-header-and-dsn"),
]  # fmt: skip


@pytest.mark.parametrize("make", AUTH_FORMS)
async def test_key_is_read_from_every_place_sdks_put_it(ctx: Ctx, make: AuthMaker) -> None:
    query, headers, env_headers = make(ctx.key)
    body = event_envelope(headers=env_headers)
    resp = await ctx.client.post(f"/api/{ctx.pid}/envelope/{query}", data=body, headers=headers)
    assert resp.status == 200, await resp.text()
    assert len(await ctx.incidents()) == 1


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("query", id="header-vs-query"),
        pytest.param("dsn", id="header-vs-envelope-dsn"),
    ],
)
async def test_conflicting_keys_are_refused(ctx: Ctx, where: str) -> None:
    other = await ctx.new_key()
    query = f"?sentry_key={other}" if where == "query" else ""
    env_headers = {"dsn": f"http://{other}@h/{ctx.pid}"} if where == "dsn" else {}
    resp = await ctx.client.post(
        f"/api/{ctx.pid}/envelope/{query}",
        data=event_envelope(headers=env_headers),
        headers=ctx.auth(),
    )
    assert resp.status == 401
    assert resp.headers["X-Sentry-Error"] == "multiple authorization payloads detected"
    assert await ctx.incidents() == []


async def test_missing_auth_is_401(ctx: Ctx) -> None:
    resp = await ctx.client.post(f"/api/{ctx.pid}/envelope/", data=event_envelope())
    assert resp.status == 401
    assert resp.headers["X-Sentry-Error"] == "missing authorization information"


ENCODINGS = [
    pytest.param("gzip", gzip.compress, id="gzip"),
    pytest.param("x-gzip", gzip.compress, id="x-gzip"),
    pytest.param("deflate", zlib.compress, id="deflate-zlib"),
    pytest.param("deflate", _raw_deflate, id="deflate-raw"),
    pytest.param("br", brotli.compress, id="br"),
    pytest.param("", lambda b: b, id="ruby-empty"),
    pytest.param("identity", lambda b: b, id="identity"),
    pytest.param("UTF-8", lambda b: b, id="old-android-utf8"),
]


@pytest.mark.parametrize(("encoding", "compress"), ENCODINGS)
async def test_compressed_bodies_are_decoded(
    ctx: Ctx, encoding: str, compress: Callable[[bytes], bytes]
) -> None:
    event = sentry_event()
    resp = await ctx.send(compress(event_envelope(event)), Content_Encoding=encoding)
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"id": event["event_id"]}
    (incident,) = await ctx.incidents()
    assert incident["top_frame"]["path"] == "shop/billing.py"


async def test_node_shaped_envelope_chunked_without_lengths_or_content_type(ctx: Ctx) -> None:
    """@sentry/node: auth in the query, no Content-Type, chunked, no lengths, no final newline."""
    event = sentry_event(timestamp=1795311248.806, platform="node")
    body = event_envelope(event, lengths=False, trailing_newline=False)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 100):
            yield body[start : start + 100]

    resp = await ctx.client.post(
        f"/api/{ctx.pid}/envelope/?sentry_version=7&sentry_key={ctx.key}", data=chunks()
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["id"] == event["event_id"]
    assert len(await ctx.incidents()) == 1


async def test_unknown_and_unprocessed_items_are_skipped(ctx: Ctx, database_url: str) -> None:
    event = sentry_event()
    body = envelope(
        ("client_report", {"timestamp": 1, "discarded_events": []}),
        ("attachment", b"\x00\x01binary\nwith newline"),
        ("a_type_from_the_future", {"whatever": [1, 2, 3]}),
        ("event", event),
        ("span", {"version": 2, "items": []}),
        ("transaction", {"type": "transaction", "spans": []}),
    )
    resp = await ctx.send(body)
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"id": event["event_id"]}
    assert await event_count(database_url) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            envelope(("session", {"sid": event_id(), "init": True, "status": "ok"}),
                     headers={"sent_at": "2026-01-01T00:00:00Z"}, lengths=False),
            id="session-only"),
        pytest.param(b"{}\n", id="no-items"),
        pytest.param(b"{}", id="header-only-no-newline"),
        pytest.param(envelope(("sessions", {"aggregates": []}), ("statsd", b"a:1|c")),
                     id="sessions-and-statsd"),
    ],
)  # fmt: skip
async def test_envelopes_without_events_answer_200_and_store_nothing(
    ctx: Ctx, database_url: str, body: bytes
) -> None:
    resp = await ctx.send(body)
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {}
    assert "Retry-After" not in resp.headers
    assert await event_count(database_url) == 0


@pytest.mark.parametrize(
    ("make_body", "headers"),
    [
        pytest.param(lambda e: orjson.dumps(e), {}, id="json"),
        pytest.param(lambda e: base64.b64encode(zlib.compress(orjson.dumps(e))), {},
                     id="base64-zlib"),
        pytest.param(lambda e: gzip.compress(orjson.dumps(e)), {"Content-Encoding": "gzip"},
                     id="gzip-json"),
        pytest.param(lambda e: event_envelope(e),
                     {"Content-Type": "application/x-sentry-envelope"}, id="envelope-to-store"),
    ],
)  # fmt: skip
async def test_legacy_store_endpoint(
    ctx: Ctx, make_body: Callable[[dict[str, Any]], bytes], headers: dict[str, str]
) -> None:
    event = sentry_event()
    resp = await ctx.client.post(
        f"/api/{ctx.pid}/store/", data=make_body(event), headers={**ctx.auth(), **headers}
    )
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"id": event["event_id"]}
    (incident,) = await ctx.incidents()
    assert incident["error_type"] == "KeyError"


async def test_store_transaction_is_stored_apart_from_events(ctx: Ctx, database_url: str) -> None:
    tx = {
        "type": "transaction", "event_id": event_id(), "transaction": "GET /", "spans": [],
        "start_timestamp": 1_800_000_000.0, "timestamp": 1_800_000_000.25,
        "contexts": {"trace": {"trace_id": "a" * 32, "span_id": "b" * 16, "op": "http.server"}},
    }  # fmt: skip
    resp = await ctx.client.post(
        f"/api/{ctx.pid}/store/", data=orjson.dumps(tx), headers=ctx.auth()
    )
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"id": tx["event_id"]}
    assert await event_count(database_url) == 0
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT duration_ms FROM transactions") == 250.0
    finally:
        await conn.close()


async def test_store_transaction_without_trace_context_is_a_400(ctx: Ctx) -> None:
    body = orjson.dumps({"type": "transaction", "event_id": event_id(), "spans": []})
    resp = await ctx.client.post(f"/api/{ctx.pid}/store/", data=body, headers=ctx.auth())
    assert resp.status == 400
    assert resp.headers["X-Sentry-Error"] == "transaction without contexts.trace"


async def test_envelope_header_event_id_wins_and_dashed_ids_normalise(ctx: Ctx) -> None:
    inner = sentry_event()
    outer = "E8A54D02-6910-4112-805B-CF804A5B8369"
    resp = await ctx.send(event_envelope(inner, headers={"event_id": outer}))
    assert resp.status == 200
    assert await resp.json() == {"id": "e8a54d0269104112805bcf804a5b8369"}
    (incident,) = await ctx.incidents()
    detail = await ctx.incident(incident["id"])
    assert [e["event_id"] for e in detail["recent_events"]] == ["e8a54d0269104112805bcf804a5b8369"]


@pytest.mark.parametrize("path", ["envelope", "store"])
async def test_cors_preflight(ctx: Ctx, path: str) -> None:
    resp = await ctx.client.options(
        f"/api/{ctx.pid}/{path}/",
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,x-sentry-auth"},
    )  # fmt: skip
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"x-sentry-auth", "content-type", "content-encoding", "authorization"} <= allowed
    assert resp.headers["Access-Control-Max-Age"] == "3600"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        pytest.param(event_envelope(), {}, 200, id="accepted"),
        pytest.param(b"not an envelope", {}, 400, id="malformed"),
        pytest.param(event_envelope(), {"X-Sentry-Auth": "Sentry sentry_key=" + "0" * 32}, 401,
                     id="unknown-key"),
    ],
)  # fmt: skip
async def test_cors_headers_on_every_answer(
    ctx: Ctx, body: bytes, headers: dict[str, str], status: int
) -> None:
    resp = await ctx.client.post(
        f"/api/{ctx.pid}/envelope/", data=body,
        headers={**ctx.auth(), "Origin": "https://shop.example.com", **headers},
    )  # fmt: skip
    assert resp.status == status
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed >= CORS_EXPOSED
    assert resp.content_type == "application/json"
    if status != 200:
        assert resp.headers["X-Sentry-Error"] == (await resp.json())["detail"]


async def test_big_brotli_event_like_the_python_sdk_sends(ctx: Ctx) -> None:
    """br is the Python SDK's default; events decompressing past one decoder step (64 KiB)
    must decode whole (they were refused as "truncated" before the drain fix)."""
    event = sentry_event(
        extra={"vars": [{"i": i, "text": "lorem ipsum " * 20} for i in range(900)]}
    )
    body = brotli.compress(event_envelope(event))
    resp = await ctx.send(body, Content_Encoding="br")
    assert resp.status == 200, await resp.text()
    assert len(await ctx.incidents()) == 1
