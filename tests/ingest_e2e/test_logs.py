"""Logs end to end: the real `sentry_sdk` with `enable_logs=True`, the OpenTelemetry SDK's OTLP
HTTP exporter and hand-written OTLP JSON, searched through the API; bad bodies are 400s that
lose nothing; other tenants' projects and incidents are 404s."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import orjson
import pytest
from e2e import Ctx, envelope, new_project, sql, wait_for
from sdkrun import dsn, run

from support import Api

SENTRY_APP = textwrap.dedent(
    """\
    import logging
    import sys

    import sentry_sdk

    sentry_sdk.init(dsn=sys.argv[1], environment="staging", release="shop@1.2.3",
                    enable_logs=True)
    sentry_sdk.logger.info("charging invoice {number}", number=42)
    logging.getLogger("shop.billing").warning("card declined for invoice 42")
    try:
        {}["missing"]
    except KeyError:
        sentry_sdk.logger.error("lookup failed: missing invoice")
        sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=10)
    """
)

OTLP_APP = textwrap.dedent(
    """\
    import logging
    import sys

    from opentelemetry._logs import set_logger_provider
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.resources import Resource

    provider = LoggerProvider(resource=Resource.create(
        {"service.name": "shop", "service.version": "2.0.0",
         "deployment.environment": "production"}))
    set_logger_provider(provider)
    exporter = OTLPLogExporter(endpoint=sys.argv[1] + "/v1/logs",
                               headers={"X-Railguard-Key": sys.argv[2]})
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    log = logging.getLogger("shop.worker")
    log.addHandler(LoggingHandler(logger_provider=provider))
    log.setLevel(logging.DEBUG)
    log.error("payment gateway timed out after 30 s")
    log.info("retrying payment")
    provider.force_flush()
    provider.shutdown()
    """
)


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


async def logs(ctx: Ctx, status: int = 200, **query: str) -> Any:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/logs", params=query, headers=ctx.headers
    )
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_sentry_sdk_logs_are_stored_searchable_and_linked_to_the_incident(
    ctx: Ctx, api: Api, tmp_path: Path
) -> None:
    await run(SENTRY_APP, tmp_path, dsn(ctx))

    async def three() -> Any:
        page = await logs(ctx)
        return page if len(page["items"]) >= 3 else None

    page = await wait_for(three, timeout=15, what="three logs")
    by_body = {e["body"]: e for e in page["items"]}
    assert set(by_body) == {
        "charging invoice 42",
        "card declined for invoice 42",
        "lookup failed: missing invoice",
    }
    info = by_body["charging invoice 42"]
    assert info["level"] == "info" and info["source"] == "sentry"
    assert info["environment"] == "staging" and info["release"] == "shop@1.2.3"
    assert info["attributes"]["sentry.message.template"] == "charging invoice {number}"
    assert by_body["card declined for invoice 42"]["level"] == "warn"
    assert by_body["card declined for invoice 42"]["logger"] == "shop.billing"
    assert by_body["lookup failed: missing invoice"]["level"] == "error"
    assert len(info["trace_id"]) == 32

    # Searches: a whole word, part of a word, level, trace id.
    assert [e["body"] for e in (await logs(ctx, q="declined"))["items"]] == [
        "card declined for invoice 42"
    ]
    assert [e["body"] for e in (await logs(ctx, q="nvoi"))["items"]] != []
    assert len((await logs(ctx, q="nvoi"))["items"]) == 3
    assert [e["level"] for e in (await logs(ctx, level="error,warn"))["items"]] in (
        ["error", "warn"],
        ["warn", "error"],
    )
    traced = await logs(ctx, trace_id=info["trace_id"])
    assert len(traced["items"]) == 3
    assert (await logs(ctx, q="nothing-like-this"))["items"] == []

    # Pages: newest first, the cursor continues where the last page stopped.
    first = await logs(ctx, limit="2")
    assert len(first["items"]) == 2 and first["next"]
    rest = await logs(ctx, limit="2", before=first["next"])
    assert len(rest["items"]) == 1 and rest["next"] is None
    assert {e["id"] for e in first["items"] + rest["items"]} == {e["id"] for e in page["items"]}

    # The incident lists the logs of its trace.
    (incident,) = await ctx.incidents()
    resp = await ctx.client.get(f"/api/v1/incidents/{incident['id']}/logs", headers=ctx.headers)
    assert resp.status == 200
    assert {e["body"] for e in await resp.json()} == set(by_body)

    # Another tenant sees neither the project's logs nor the incident's.
    stranger = await api.account()
    for path in (f"/api/v1/projects/{ctx.pid}/logs", f"/api/v1/incidents/{incident['id']}/logs"):
        resp = await ctx.client.get(path, headers=stranger.headers)
        assert resp.status == 404, path


async def test_opentelemetry_sdk_exports_logs_over_otlp_protobuf(ctx: Ctx, tmp_path: Path) -> None:
    base = f"http://{ctx.client.host}:{ctx.client.port}"
    await run(OTLP_APP, tmp_path, base, ctx.key)

    page = await logs(ctx)  # the exporter's POST returned after the commit
    by_body = {e["body"]: e for e in page["items"]}
    assert set(by_body) == {"payment gateway timed out after 30 s", "retrying payment"}
    error = by_body["payment gateway timed out after 30 s"]
    assert error["level"] == "error" and error["severity_number"] == 17
    assert error["source"] == "otlp" and error["logger"] == "shop.worker"
    assert error["environment"] == "production" and error["release"] == "2.0.0"
    assert error["attributes"]["resource.service.name"] == "shop"
    assert by_body["retrying payment"]["level"] == "info"


def otlp_json(body: str, **record: Any) -> dict[str, Any]:
    return {
        "resourceLogs": [{
            "resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "api"}}]},
            "scopeLogs": [{
                "scope": {"name": "api.http"},
                "logRecords": [{
                    "timeUnixNano": "1764670000000000000",
                    "severityNumber": 13,
                    "severityText": "WARN",
                    "body": {"stringValue": body},
                    "traceId": "5b8efff798038103d269b633813fc60c",
                    "spanId": "eee19b7ec3c1b174",
                    "attributes": [{"key": "http.status", "value": {"intValue": "503"}}],
                    **record,
                }],
            }],
        }]
    }  # fmt: skip


async def test_otlp_json_post_is_stored_with_its_trace(ctx: Ctx) -> None:
    resp = await ctx.client.post(
        "/v1/logs", data=orjson.dumps(otlp_json("upstream returned 503")),
        headers={"Content-Type": "application/json", "X-Railguard-Key": ctx.key},
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {}
    (entry,) = (await logs(ctx, trace_id="5b8efff798038103d269b633813fc60c"))["items"]
    assert entry["body"] == "upstream returned 503" and entry["level"] == "warn"
    assert entry["span_id"] == "eee19b7ec3c1b174"
    assert entry["attributes"]["http.status"] == 503
    assert entry["occurred_at"].startswith("2025-12-02T")


async def test_bad_otlp_bodies_are_clear_400s_and_lose_nothing_accepted(ctx: Ctx) -> None:
    good = await ctx.client.post(
        "/v1/logs", data=orjson.dumps(otlp_json("kept")),
        headers={"Content-Type": "application/json", "X-Railguard-Key": ctx.key},
    )  # fmt: skip
    assert good.status == 200
    cases = [
        ("application/json", b"{not json", "not valid JSON"),
        ("application/json", b"[1, 2]", "not a JSON object"),
        ("application/json", orjson.dumps({"resourceLogs": "x"}), "OTLP JSON"),
        ("application/json", orjson.dumps(otlp_json("x", traceId="zz")), "traceId is not hex"),
        ("application/x-protobuf", b"\xff\xff\xff\xff", "OTLP protobuf"),
        ("text/plain", b"hello", "content type"),
    ]
    for content_type, body, message in cases:
        resp = await ctx.client.post(
            "/v1/logs", data=body,
            headers={"Content-Type": content_type, "X-Railguard-Key": ctx.key},
        )  # fmt: skip
        assert resp.status == 400, (content_type, body)
        assert message in (await resp.json())["error"]["message"], await resp.text()
    # No key, or an unknown one, is refused before anything is read.
    resp = await ctx.client.post(
        "/v1/logs", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 401
    resp = await ctx.client.post(
        "/v1/logs", data=b"{}",
        headers={"Content-Type": "application/json", "X-Railguard-Key": "0" * 32},
    )  # fmt: skip
    assert resp.status == 401
    assert [e["body"] for e in (await logs(ctx))["items"]] == ["kept"]


async def test_envelope_log_item_with_a_bad_item_keeps_the_good_ones(
    ctx: Ctx, database_url: str
) -> None:
    good = {"items": [{"timestamp": 1764670000.5, "level": "info", "body": "hello",
                       "attributes": {"sentry.environment": {"value": "dev",
                                                             "type": "string"}}}]}  # fmt: skip
    resp = await ctx.send(envelope(("log", good), ("log", b"{broken")))
    assert resp.status == 200, await resp.text()
    (entry,) = (await logs(ctx))["items"]
    assert entry["body"] == "hello" and entry["environment"] == "dev"
    rows = await sql(
        database_url,
        "SELECT category, reason, quantity FROM discarded_items WHERE project_id = $1",
        ctx.pid,
    )
    assert [tuple(r) for r in rows] == [("log", "invalid", 1)]


async def test_log_search_refuses_bad_filters(ctx: Ctx) -> None:
    for query in ({"level": "loud"}, {"trace_id": "xyz"}, {"since": "yesterday"},
                  {"before": "garbage!"}, {"limit": "0"}):  # fmt: skip
        await logs(ctx, 422, **query)
