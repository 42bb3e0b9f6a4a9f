"""Grouping rule v1 (docs/sentry-protocol.md §9): worked examples and the stability it promises."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from railguard.server.ingest.event import normalize_sentry_event
from railguard.server.ingest.fingerprint import (
    GROUPING_VERSION,
    Grouping,
    clean_function,
    compute_grouping,
    normalize_message,
)
from railguard.server.ingest.frames import RawException, RawFrame

NOW = datetime(2026, 11, 22, 1, 33, 30, tzinfo=UTC)


def _frame(**kw: Any) -> dict[str, Any]:
    return {"in_app": True, **kw}


# A Python SDK event with a chained exception, untrimmed: the KeyError's stack runs through
# charge into load_invoice.
PYTHON_CHAIN: dict[str, Any] = {
    "event_id": "e8a54d0269104112805bcf804a5b8369",
    "timestamp": "2026-11-22T01:33:27.950739Z",
    "platform": "python",
    "release": "myapp@1.2.3",
    "exception": {
        "values": [
            {
                "type": "KeyError",
                "value": "99",
                "module": None,
                "mechanism": {"type": "generic", "handled": True},
                "stacktrace": {
                    "frames": [
                        _frame(
                            filename="myapp/billing.py",
                            abs_path="/srv/app/myapp/billing.py",
                            module="myapp.billing",
                            function="charge",
                            lineno=7,
                            context_line="        return load_invoice({}, number)",
                        ),
                        _frame(
                            filename="myapp/billing.py",
                            abs_path="/srv/app/myapp/billing.py",
                            module="myapp.billing",
                            function="load_invoice",
                            lineno=3,
                            context_line="    return invoices[number]",
                        ),
                    ]
                },
            },
            {
                "type": "ValueError",
                "value": "Invoice 99 not found",
                "module": None,
                "mechanism": {"type": "chained", "handled": True},
                "stacktrace": {
                    "frames": [
                        _frame(
                            filename="run.py",
                            abs_path="/srv/app/run.py",
                            module="__main__",
                            function="<module>",
                            lineno=16,
                        ),
                        _frame(
                            filename="myapp/billing.py",
                            abs_path="/srv/app/myapp/billing.py",
                            module="myapp.billing",
                            function="charge",
                            lineno=10,
                            colno=9,
                        ),
                    ]
                },
            },
        ]
    },
}

NODE_TYPE_ERROR: dict[str, Any] = {
    "platform": "node",
    "timestamp": 1795311248.806,
    "exception": {
        "values": [
            {
                "type": "TypeError",
                "value": "Cannot read properties of undefined (reading 'id')",
                "mechanism": {"type": "onuncaughtexception", "handled": False},
                "stacktrace": {
                    "frames": [
                        {
                            "filename": "node:internal/modules/run_main",
                            "module": "run_main",
                            "function": "Function.executeUserEntryPoint [as runMain]",
                            "lineno": 122,
                            "in_app": False,
                        },
                        _frame(filename="/srv/app/main.js", module="main", function="?", lineno=5),
                        _frame(
                            filename="/srv/app/services/billing.js",
                            module="services:billing",
                            function="Object.charge",
                            lineno=20,
                            colno=3,
                        ),
                        _frame(
                            filename="/srv/app/services/billing.js",
                            module="services:billing",
                            function="Object.loadInvoice",
                            lineno=10,
                            colno=15,
                        ),
                    ]
                },
            }
        ]
    },
}

PYTHON_LOGGING: dict[str, Any] = {
    "platform": "python",
    "logger": "worker",
    "logentry": {
        "message": "Job %s failed after %d retries",
        "formatted": "Job 1234 failed after 3 retries",
        "params": ["1234", 3],
    },
}

NODE_CAPTURE_MESSAGE: dict[str, Any] = {
    "platform": "node",
    "message": "Cache miss storm",
    "level": "info",
    "exception": {
        "values": [
            {
                "value": "Cache miss storm",
                "mechanism": {"type": "generic", "handled": True, "synthetic": True},
                "stacktrace": {
                    "frames": [
                        _frame(filename="/srv/app/cache.js", module="cache", function="warm")
                    ]
                },
            }
        ]
    },
}


def group(payload: dict[str, Any]) -> Grouping:
    event = normalize_sentry_event(payload, envelope_headers=None, received_at=NOW, client_ip=None)
    return compute_grouping(
        exceptions=event.exceptions,
        messages=event.grouping_messages,
        fingerprint=event.fingerprint,
        platform=event.platform,
        logger=event.logger,
        transaction=event.transaction,
        level=event.level,
        tags=event.tags,
    )


@pytest.mark.parametrize(
    ("payload", "parts"),
    [
        pytest.param(
            PYTHON_CHAIN,
            [
                ["exc", "KeyError", ["myapp.billing|charge", "myapp.billing|load_invoice"]],
                ["exc", "ValueError", ["__main__|<module>", "myapp.billing|charge"]],
            ],
            id="python-chain",
        ),
        pytest.param(
            NODE_TYPE_ERROR,
            [
                [
                    "exc",
                    "TypeError",
                    ["main|", "services:billing|charge", "services:billing|loadInvoice"],
                ]
            ],
            id="node",
        ),
        pytest.param(
            PYTHON_LOGGING, [["msg", "Job %s failed after %d retries"]], id="python-logging"
        ),
        pytest.param(
            NODE_CAPTURE_MESSAGE, [["msg", "Cache miss storm"]], id="node-capture-message"
        ),
    ],
)
def test_reference_examples(payload: dict[str, Any], parts: list[Any]) -> None:
    grouping = group(payload)
    assert grouping.parts == parts
    assert grouping.version == GROUPING_VERSION == 1
    canonical = json.dumps(["v1", parts], separators=(",", ":"), ensure_ascii=False)
    assert grouping.hash == hashlib.sha256(canonical.encode()).hexdigest()


def _perturb(payload: dict[str, Any]) -> dict[str, Any]:
    """Change everything the grouping rule says must not matter."""
    changed = copy.deepcopy(payload)
    changed["event_id"] = "0123456789abcdef0123456789abcdef"
    changed["release"] = "myapp@9.9.9"
    changed["timestamp"] = "2026-11-21T00:00:00Z"
    changed["environment"] = "other"
    changed["server_name"] = "web-42"
    for exc in changed.get("exception", {}).get("values", []):
        for frame in exc.get("stacktrace", {}).get("frames", []):
            frame["lineno"] = (frame.get("lineno") or 0) + 100
            frame["colno"] = (frame.get("colno") or 0) + 7
            if frame.get("abs_path"):
                frame["abs_path"] = "/deploy/v2/" + frame["abs_path"].lstrip("/")
            frame["context_line"] = "completely different code"
    if "logentry" in changed:
        changed["logentry"]["formatted"] = "Job 9 failed after 7 retries"
        changed["logentry"]["params"] = ["9", 7]
    return changed


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(PYTHON_CHAIN, id="python-chain"),
        pytest.param(NODE_TYPE_ERROR, id="node"),
        pytest.param(PYTHON_LOGGING, id="python-logging"),
        pytest.param(NODE_CAPTURE_MESSAGE, id="capture-message"),
    ],
)
def test_invariant_under_deploy_noise(payload: dict[str, Any]) -> None:
    assert group(_perturb(payload)).hash == group(payload).hash


def test_default_plus_literal_differs_from_literal() -> None:
    with_default = group({**PYTHON_CHAIN, "fingerprint": ["{{ default }}", "billing"]})
    literal = group({**PYTHON_CHAIN, "fingerprint": ["billing-outage"]})
    assert with_default.hash != literal.hash
    assert with_default.parts == [*group(PYTHON_CHAIN).parts, "billing"]
    assert literal.parts == ["billing-outage"]


def _exc(type_: str, value: str, frames: list[RawFrame] | None = None) -> RawException:
    return RawException(type=type_, value=value, frames=frames or [])


def test_ids_in_messages_do_not_split() -> None:
    values = [
        "Invoice 99 not found for user 4f9c2d1e-8b7a-4c3d-9e2f-1a2b3c4d5e6f",
        "Invoice 123456 not found for user 00000000-1111-2222-3333-444444444444",
    ]
    hashes = {compute_grouping(exceptions=[_exc("LookupError", v)]).hash for v in values}
    assert len(hashes) == 1


def test_different_types_split() -> None:
    a = compute_grouping(exceptions=[_exc("KeyError", "x")])
    b = compute_grouping(exceptions=[_exc("ValueError", "x")])
    assert a.hash != b.hash


@pytest.mark.parametrize(
    ("fingerprint", "parts"),
    [
        pytest.param(
            ["{{default}}"], [["exc", "KeyError", ["billing.py|charge"]]], id="default-no-spaces"
        ),
        pytest.param(["{{ type }}", "{{ function }}"], ["KeyError", "charge"], id="type-function"),
        pytest.param(
            ["{{ module }}", "{{ level }}", "{{ logger }}"],
            ["billing.py", "warning", "jobs"],
            id="module-level-logger",
        ),
        pytest.param(["{{ transaction }}"], ["/invoices/{id}"], id="transaction"),
        pytest.param(["{{ tags.tenant }}", "{{ tags.missing }}"], ["acme", ""], id="tags"),
        pytest.param(["{{ unknown }}"], ["{{ unknown }}"], id="unknown-variable-literal"),
        pytest.param([42, 1.5, True], ["42", "1.5", "true"], id="scalars-stringified"),
    ],
)
def test_fingerprint_variables(fingerprint: list[Any], parts: list[Any]) -> None:
    frame = RawFrame(filename="app/billing.py", function="charge", in_app=True)
    grouping = compute_grouping(
        exceptions=[_exc("KeyError", "1", [frame])],
        fingerprint=fingerprint,
        platform="python",
        logger="jobs",
        transaction="/invoices/{id}",
        level="warning",
        tags={"tenant": "acme"},
    )
    assert grouping.parts == parts


@pytest.mark.parametrize(
    "fingerprint",
    [
        pytest.param([], id="empty"),
        pytest.param([None], id="null"),
        pytest.param([{"a": 1}], id="object"),
    ],
)
def test_invalid_fingerprint_falls_back_to_default(fingerprint: list[Any]) -> None:
    grouping = compute_grouping(exceptions=[_exc("KeyError", "x")], fingerprint=fingerprint)
    assert grouping.parts == [["exc", "KeyError", "x"]]


def test_in_app_selection_and_collapse() -> None:
    frames = [
        RawFrame(module="runpy", function="_run_code", in_app=False),
        RawFrame(module="app.tree", function="walk", in_app=True),
        RawFrame(module="app.tree", function="walk", in_app=True),
        RawFrame(module="app.tree", function="walk", in_app=True),
        RawFrame(module="json.decoder", function="decode", in_app=None),
        RawFrame(module="app.tree", function="leaf", in_app=True),
    ]
    grouping = compute_grouping(exceptions=[_exc("RecursionError", "deep", frames)])
    assert grouping.parts == [["exc", "RecursionError", ["app.tree|walk", "app.tree|leaf"]]]


def test_all_frames_when_none_in_app() -> None:
    frames = [RawFrame(module="a", function="f"), RawFrame(module="b", function="g", in_app=False)]
    grouping = compute_grouping(exceptions=[_exc("E", "v", frames)])
    assert grouping.parts == [["exc", "E", ["a|f", "b|g"]]]


def test_last_five_exceptions_and_synthetic_dropped() -> None:
    chain = [_exc(f"E{i}", "v") for i in range(8)]
    chain.append(RawException(type=None, value="synthetic", synthetic=True))
    grouping = compute_grouping(exceptions=chain)
    assert [p[1] for p in grouping.parts] == ["E3", "E4", "E5", "E6", "E7"]


@pytest.mark.parametrize(
    ("frame", "platform", "token"),
    [
        pytest.param(
            RawFrame(
                filename="https://shop.example.com/assets/index-BxY3kZ9a.js?v=1#x",
                function="Object.render [as r]",
            ),
            "javascript",
            "index-<hash>.js|render",
            id="bundle-hash",
        ),
        pytest.param(
            RawFrame(filename="/static/js/main.3f9a2b1c.chunk.js", function="render"),
            "javascript",
            "main.<hash>.chunk.js|render",
            id="cra-hash",
        ),
        pytest.param(
            RawFrame(filename="/srv/app/User-Settings.js", function="<anonymous>"),
            "javascript",
            "user-settings.js|",
            id="no-hash-lowercased",
        ),
        pytest.param(
            RawFrame(filename="/srv/app/src/a.js", module="some/dir/a", function="f"),
            "node",
            "a.js|f",
            id="js-module-with-slash",
        ),
        pytest.param(
            RawFrame(
                filename="app/controllers/users_controller.rb",
                module="UsersController",
                function="block (2 levels) in create",
            ),
            "ruby",
            "UsersController|block",
            id="ruby-block",
        ),
        pytest.param(
            RawFrame(
                filename="app/views/users/index.html.erb",
                function="_app_views_users_index_html_erb__3214887812469287446_70251187036180",
            ),
            "ruby",
            "index.html.erb|_app_views_users_index_html_erb",
            id="ruby-erb",
        ),
        pytest.param(
            RawFrame(abs_path="C:\\app\\Billing.py", function="charge"),
            "python",
            "billing.py|charge",
            id="windows-basename",
        ),
    ],
)
def test_frame_tokens(frame: RawFrame, platform: str, token: str) -> None:
    grouping = compute_grouping(exceptions=[_exc("E", "v", [frame])], platform=platform)
    assert grouping.parts == [["exc", "E", [token]]]


def test_minified_browser_groups_by_value() -> None:
    frames = [
        RawFrame(filename="https://shop.example.com/a.js", function="t", in_app=True),
        RawFrame(filename="https://shop.example.com/a.js", function="Qe", in_app=True),
    ]
    grouping = compute_grouping(
        exceptions=[_exc("TypeError", "e is null", frames)], platform="javascript"
    )
    assert grouping.parts == [["exc", "TypeError", "e is null"]]


def test_fallback() -> None:
    grouping = compute_grouping(logger="cron", transaction="nightly")
    assert grouping.parts == [["fallback", "cron", "nightly"]]


@pytest.mark.parametrize(
    ("function", "platform", "expected"),
    [
        pytest.param(
            "Function.executeUserEntryPoint [as runMain]",
            "node",
            "executeUserEntryPoint",
            id="js-as",
        ),
        pytest.param("?", "javascript", "", id="js-unknown"),
        pytest.param("block in index", "ruby", "block", id="ruby-block"),
        pytest.param("Object.thing", "python", "Object.thing", id="python-untouched"),
        pytest.param(None, "python", "", id="none"),
    ],
)
def test_clean_function(function: str | None, platform: str, expected: str) -> None:
    assert clean_function(function, platform) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Invoice 99 not found", "Invoice <int> not found", id="int"),
        pytest.param("timeout after 30s", "timeout after <int>s", id="int-with-unit"),
        pytest.param("used 512MB of 1024MB", "used <int>MB of <int>MB", id="int-with-units"),
        pytest.param("item abc123 missing", "item abc123 missing", id="digits-inside-a-word-stay"),
        pytest.param("took 1.25s", "took <float>s", id="float"),
        pytest.param("user bob@example.com", "user <email>", id="email"),
        pytest.param("GET https://api.example.com/v1/x?id=3 failed", "GET <url> failed", id="url"),
        pytest.param("id 4f9c2d1e-8b7a-4c3d-9e2f-1a2b3c4d5e6f", "id <uuid>", id="uuid"),
        pytest.param("commit 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b", "commit <sha1>", id="sha1"),
        pytest.param("etag d41d8cd98f00b204e9800998ecf8427e", "etag <md5>", id="md5-is-uuid-shape"),
        pytest.param("at 2026-11-22T01:33:27.950739Z", "at <date>", id="datetime"),
        pytest.param("on 2026-11-22 at 10:20:30", "on <date> at <date>", id="date-and-time"),
        pytest.param("from 10.0.0.12 and ::1", "from <ip> and <ip>", id="ip"),
        pytest.param("peer fe80::1ff:fe23:4567:890a down", "peer <ip> down", id="ipv6"),
        pytest.param("ptr 0xDEADbeef", "ptr <hex>", id="hex"),
        pytest.param(
            "Job %s failed after %d retries", "Job %s failed after %d retries", id="template-kept"
        ),
        pytest.param("Foo::Bar is missing", "Foo::Bar is missing", id="ruby-constant-kept"),
        pytest.param("order_42 and v2", "order_42 and v2", id="identifiers-kept"),
        pytest.param(
            "\n\nfirst 1\n\n second 2 \nthird 3", "first <int>\nsecond <int>", id="two-lines"
        ),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalize_message(text: str, expected: str) -> None:
    assert normalize_message(text) == expected


def test_normalize_message_caps_at_1kib() -> None:
    assert len(normalize_message("é" * 5000).encode()) <= 1024
    assert len(normalize_message("word " * 1000).encode()) <= 1024
