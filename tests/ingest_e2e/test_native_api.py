"""The native JSON API over real HTTP: `POST /api/v1/events[/{project_id}]`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e import Ctx, event_envelope, event_id, new_project, sentry_event, sql, stored_payload

from support import Api

SHA = "3f786850e387550fdab836ed7e6dc881de23001b"

PYTHON = """Traceback (most recent call last):
  File "/srv/app/run.py", line 9, in <module>
    charge(99)
  File "/srv/app/shop/billing.py", line 7, in charge
    return load_invoice(invoices, number)
  File "/srv/app/shop/billing.py", line 2, in load_invoice
    return invoices[number]
KeyError: 99"""
V8 = """TypeError: Cannot read properties of undefined (reading 'total')
    at loadInvoice (/srv/app/src/billing.js:12:19)
    at Object.charge (/srv/app/src/billing.js:20:10)
    at main (/srv/app/index.js:5:3)
    at node:internal/main/run_main_module:28:49"""
FIREFOX = """loadInvoice@https://shop.example.com/assets/src/billing.js:12:19
charge@https://shop.example.com/assets/src/billing.js:20:10
@https://shop.example.com/assets/index.js:5:3"""
RUBY = """/srv/app/app/models/invoice.rb:12:in `load_invoice': undefined method `total' for nil \
(NoMethodError)
\tfrom /srv/app/app/services/billing.rb:20:in `charge'
\tfrom /srv/app/bin/run.rb:5:in `<main>'"""
JAVA = """java.lang.IllegalStateException: invoice 99 missing
\tat com.acme.shop.Billing.loadInvoice(Billing.java:12)
\tat com.acme.shop.Billing.charge(Billing.java:20)
\tat com.acme.shop.Main.main(Main.java:5)"""

SRV = [{"strip_prefix": "/srv/app/"}]


@pytest.mark.parametrize(
    ("trace", "rules", "error_type", "path", "line", "function", "frames"),
    [
        pytest.param(PYTHON, SRV, "KeyError", "shop/billing.py", 2, "load_invoice", 3,
                     id="python"),
        pytest.param(V8, SRV, "TypeError", "src/billing.js", 12, "loadInvoice", 4, id="v8"),
        pytest.param(FIREFOX, [{"strip_prefix": "https://shop.example.com/assets/"}], "",
                     "src/billing.js", 12, "loadInvoice", 3, id="firefox"),
        pytest.param(RUBY, SRV, "NoMethodError", "app/models/invoice.rb", 12, "load_invoice", 3,
                     id="ruby"),
        pytest.param(JAVA, [{"source_root": "src/main/java/"}], "java.lang.IllegalStateException",
                     "src/main/java/com/acme/shop/Billing.java", 12, "loadInvoice", 3, id="java"),
    ],
)  # fmt: skip
async def test_raw_traces_are_parsed_into_frames(
    api: Api,
    trace: str,
    rules: list[dict[str, str]],
    error_type: str,
    path: str,
    line: int,
    function: str,
    frames: int,
) -> None:
    ctx = await new_project(api, path_rules=rules)
    resp = await ctx.native({"stack_trace": trace, "commit_sha": SHA})
    assert resp.status == 201, await resp.text()
    (incident,) = await ctx.incidents()
    assert incident["error_type"] == error_type
    top = incident["top_frame"]
    assert (top["path"], top["line"], top["function"]) == (path, line, function)
    assert top["original_path"]  # what the trace said is kept
    assert len(incident["stack"]) == frames
    assert incident["stack"][-1] == top or not incident["stack"][-1]["in_app"]
    assert incident["latest_commit"] == SHA


async def test_without_a_rule_the_original_path_is_kept_for_suffix_matching(api: Api) -> None:
    ctx = await new_project(api)
    assert (await ctx.native({"stack_trace": PYTHON})).status == 201
    (incident,) = await ctx.incidents()
    assert incident["top_frame"]["path"] is None
    assert incident["top_frame"]["original_path"] == "/srv/app/shop/billing.py"
    # The list filter matches it by path suffix.
    assert [i["id"] for i in await ctx.incidents(path="shop/billing.py")] == [incident["id"]]


async def test_structured_frames_win_over_a_trace(api: Api) -> None:
    ctx = await new_project(api)
    frames = [
        {"filename": "app/main.py", "function": "main", "lineno": 3, "in_app": True},
        {"filename": "app/orders.py", "function": "place", "lineno": 41, "colno": 7,
         "in_app": True, "context_line": "total = order.total", "pre_context": ["a", "b"]},
    ]  # fmt: skip
    body = {"error_type": "AttributeError", "message": "no total", "frames": frames,
            "stack_trace": PYTHON, "platform": "python"}  # fmt: skip
    assert (await ctx.native(body)).status == 201
    (incident,) = await ctx.incidents()
    top = incident["top_frame"]
    assert (top["path"], top["line"], top["column"], top["function"]) == (
        "app/orders.py", 41, 7, "place",
    )  # fmt: skip
    assert top["context_line"] == "total = order.total" and top["pre_context"] == ["a", "b"]
    assert [f["function"] for f in incident["stack"]] == ["main", "place"]
    assert incident["title"] == "AttributeError: no total"


async def test_every_field_is_stored(ctx: Ctx, database_url: str) -> None:
    occurred = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    eid = event_id()
    body = {
        "event_id": eid, "error_type": "ValueError", "message": "bad amount", "level": "warning",
        "stack_trace": PYTHON, "commit_sha": SHA.upper(), "environment": "staging",
        "release": "shop@2.1", "deployment_id": "deploy-42", "occurred_at": occurred.isoformat(),
        "tags": {"tenant": "acme", "region": "eu"}, "context": {"order": {"id": 7}},
        "metadata": {"build": "b-9"},
    }  # fmt: skip
    resp = await ctx.native(body)
    assert resp.status == 201
    assert await resp.json() == {"id": eid}
    (incident,) = await ctx.incidents()
    assert incident["level"] == "warning" and incident["environments"] == ["staging"]
    assert incident["first_seen"] == occurred.isoformat().replace("+00:00", "Z")
    (event,) = (await ctx.incident(incident["id"]))["recent_events"]
    assert event["event_id"] == eid
    assert event["commit_sha"] == SHA and event["commit_source"] == "native"
    assert event["environment"] == "staging" and event["release"] == "shop@2.1"
    assert event["tags"] == {"tenant": "acme", "region": "eu"}
    assert datetime.fromisoformat(event["occurred_at"]) == occurred
    (row,) = await sql(database_url, "SELECT deployment_id, platform FROM events")
    assert (row["deployment_id"], row["platform"]) == ("deploy-42", "python")
    payload = await stored_payload(database_url, eid)
    assert payload["context"] == {"order": {"id": 7}}
    assert payload["metadata"] == {"build": "b-9"}


async def test_project_in_path_must_match_the_key(ctx: Ctx, api: Api) -> None:
    other = await new_project(api)
    path = f"/api/v1/events/{ctx.pid}"
    assert (await ctx.native({"message": "mine"}, path=path)).status == 201
    resp = await ctx.native({"message": "theirs"}, key=other.key, path=path)
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthorized"
    resp = await ctx.native({"message": "nobody"}, key="0" * 32)
    assert resp.status == 401
    assert (await ctx.client.post("/api/v1/events", json={"message": "no key"})).status == 401
    assert len(await ctx.incidents()) == 1 and await other.incidents() == []


async def test_a_resent_event_is_counted_once(ctx: Ctx, database_url: str) -> None:
    eid = event_id()
    first = await ctx.native({"event_id": eid, "message": "once"})
    again = await ctx.native({"event_id": eid.upper(), "message": "once"})
    dashed = f"{eid[:8]}-{eid[8:12]}-{eid[12:16]}-{eid[16:20]}-{eid[20:]}"
    third = await ctx.native({"event_id": dashed, "message": "once"})
    assert [first.status, again.status, third.status] == [201, 200, 200]
    assert {(await r.json())["id"] for r in (first, again, third)} == {eid}
    # The same id over the Sentry envelope endpoint is the same event too.
    assert (await ctx.send(event_envelope(sentry_event(eid=eid)))).status == 200
    (incident,) = await ctx.incidents()
    assert incident["event_count"] == 1
    assert (await sql(database_url, "SELECT count(*) FROM events"))[0][0] == 1


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        pytest.param({"level": "loud"}, ["level"], id="level"),
        pytest.param({"commit_sha": "not-a-sha"}, ["commit_sha"], id="commit"),
        pytest.param({"colour": "red"}, ["colour"], id="unknown-field"),
        pytest.param({"frames": {"a": 1}}, ["frames"], id="frames-not-list"),
        pytest.param({"frames": [{"lineno": -1}]}, ["frames", 0, "lineno"], id="negative-line"),
        pytest.param({"occurred_at": "yesterday"}, ["occurred_at"], id="occurred-at"),
        pytest.param({"tags": {"a": {"b": 1}}}, ["tags", "a"], id="tag-not-string"),
        pytest.param({"event_id": "xyz"}, ["event_id"], id="event-id"),
        pytest.param([1, 2], [], id="not-an-object"),
    ],
)
async def test_invalid_events_are_422_with_details(ctx: Ctx, body: Any, loc: list[Any]) -> None:
    resp = await ctx.native(body)
    assert resp.status == 422, await resp.text()
    error = (await resp.json())["error"]
    assert error["code"] == "validation_failed"
    assert any(d["loc"][: len(loc)] == loc for d in error["details"]), error["details"]
    assert await ctx.incidents() == []


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"{not json", id="broken"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
    ],
)
async def test_malformed_json_is_400(ctx: Ctx, raw: bytes) -> None:
    resp = await ctx.client.post("/api/v1/events", data=raw, headers={"X-Railguard-Key": ctx.key})
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["code"] == "bad_request"


CARD = "4111 1111 1111 1111"


async def test_secrets_are_scrubbed_before_storage(ctx: Ctx, database_url: str) -> None:
    eid = event_id()
    body = {
        "event_id": eid, "error_type": "PaymentError",
        "message": f"charge failed for card {CARD}",
        "context": {"user": {"password": "hunter2", "name": "ann"},
                    "headers": {"Authorization": "Bearer abc.def.ghi", "Accept": "*/*"}},
        "metadata": {"note": f"card {CARD}", "db": "postgres://app:s3cret@db/shop"},
        "tags": {"api_key": "k-123", "tenant": "acme"},
    }  # fmt: skip
    assert (await ctx.native(body)).status == 201
    payload = await stored_payload(database_url, eid)
    assert payload["context"]["user"] == {"password": "[Filtered]", "name": "ann"}
    assert payload["context"]["headers"]["Authorization"] == "[Filtered]"
    assert payload["context"]["headers"]["Accept"] == "*/*"
    assert CARD not in payload["metadata"]["note"] and "[Filtered]" in payload["metadata"]["note"]
    assert "s3cret" not in payload["metadata"]["db"]
    text = str(await sql(database_url, "SELECT e.*, i.* FROM events e JOIN incidents i "
                                       "ON i.id = e.incident_id"))  # fmt: skip
    for secret in ("hunter2", "abc.def.ghi", CARD, "s3cret", "k-123"):
        assert secret not in text, secret


async def test_sentry_request_headers_are_scrubbed(ctx: Ctx, database_url: str) -> None:
    event = sentry_event(
        request={"url": "https://shop/x", "headers": [["Authorization", "Bearer tok123"],
                                                      ["Cookie", "session=abc"]]},
        extra={"password": "hunter2", "card": CARD},
    )  # fmt: skip
    assert (await ctx.send(event_envelope(event))).status == 200
    payload = await stored_payload(database_url, event["event_id"])
    assert payload["request"]["headers"] == [["Authorization", "[Filtered]"],
                                             ["Cookie", "[Filtered]"]]  # fmt: skip
    assert payload["extra"] == {"password": "[Filtered]", "card": "[Filtered]"}


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)
