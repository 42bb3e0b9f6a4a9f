"""End-to-end pure ingest: a real sentry-sdk envelope and native events → `ProcessedEvent`."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import brotli
import pytest

from railguard.server.ingest.decompress import Decoder
from railguard.server.ingest.envelope import parse_envelope
from railguard.server.ingest.event import load_event_json
from railguard.server.ingest.process import (
    ProcessedEvent,
    process_native_event,
    process_sentry_event,
)
from railguard.server.ingest.scrub import FILTERED
from railguard.server.ingest.sentry_auth import extract_public_key
from railguard.wire.models import NativeEvent, PathRule

NOW = datetime(2026, 11, 22, 1, 33, 30, tzinfo=UTC)
KEY = "0123456789abcdef0123456789abcdef"

BILLING = textwrap.dedent(
    """\
    def load_invoice(invoices, number):
        return invoices[number]


    def charge(number, card_token):
        try:
            return load_invoice({}, number)
        except KeyError as exc:
            raise ValueError(f"Invoice {number} not found") from exc
    """
)


@pytest.fixture
def sdk_envelope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[bytes]:
    """An envelope produced by the real sentry-sdk 2.75.0 for a chained ValueError."""
    import sentry_sdk
    from sentry_sdk.envelope import Envelope as SdkEnvelope
    from sentry_sdk.transport import Transport

    captured: list[bytes] = []

    class Capture(Transport):
        def capture_envelope(self, envelope: SdkEnvelope) -> None:
            captured.append(envelope.serialize())

    package = tmp_path / "shopapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "billing.py").write_text(BILLING)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("shopapp.billing")
    sentry_sdk.init(
        dsn=f"https://{KEY}@errors.example.com/42",
        transport=Capture,
        release="shopapp@1a2b3c4d5e6f",
        environment="staging",
        default_integrations=False,
        auto_enabling_integrations=False,
        project_root=str(tmp_path),
    )
    try:
        try:
            module.charge(99, "".join(["tok", "_secret"]))  # only charge's card_token holds it
        except ValueError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
    sys.modules.pop("shopapp.billing", None)
    sys.modules.pop("shopapp", None)
    assert len(captured) == 1
    yield captured[0]


def test_real_python_sdk_envelope(sdk_envelope: bytes) -> None:
    # The SDK's default transport sends br; decode it as the view would.
    decoder = Decoder("br", max_output=1024 * 1024)
    body = decoder.feed(brotli.compress(sdk_envelope)) + decoder.finish()
    envelope = parse_envelope(body)
    assert [item.type for item in envelope.items] == ["event"]
    key = extract_public_key(
        headers={"X-Sentry-Auth": f"Sentry sentry_key={KEY}, sentry_version=7"},
        query={},
        envelope_dsn=envelope.headers.get("dsn"),
    )
    assert key == KEY
    payload = load_event_json(envelope.items[0].payload)
    event = process_sentry_event(
        payload,
        envelope_headers=envelope.headers,
        received_at=datetime.now(UTC),
        client_ip="203.0.113.9",
        path_rules=[],
    )
    assert event.event_id == envelope.headers["event_id"]
    assert (event.error_type, event.message) == ("ValueError", "Invoice 99 not found")
    assert event.top_frame is not None
    top = event.top_frame
    assert (top.path, top.line, top.function) == ("shopapp/billing.py", 9, "charge")
    assert top.original_path is not None and top.original_path.endswith("/shopapp/billing.py")
    assert top.context_line is not None and "raise ValueError" in top.context_line
    assert event.stack[-1] == top
    # The test module is outside project_root, so only the shopapp frames are in-app.
    assert event.grouping_parts == [
        ["exc", "KeyError", ["shopapp.billing|charge", "shopapp.billing|load_invoice"]],
        ["exc", "ValueError", ["shopapp.billing|charge"]],
    ]
    assert (event.commit_sha, event.commit_source) == ("1a2b3c4d5e6f", "release")
    assert (event.environment, event.release, event.platform) == (
        "staging",
        "shopapp@1a2b3c4d5e6f",
        "python",
    )
    assert "tok_secret" not in repr(event.payload)  # frame vars: card_token is scrubbed


NODE_EVENT: dict[str, Any] = {
    "event_id": "0123456789abcdef0123456789abcdef",
    "platform": "node",
    "timestamp": (NOW - timedelta(seconds=1)).timestamp(),
    "level": "error",
    "environment": "production",
    "tags": [["tenant", "acme"], ["session_id", "s-1"]],
    "user": {"id": "7", "ip_address": "{{auto}}"},
    "request": {"headers": [["Cookie", "sid=1"], ["Accept", "*/*"]]},
    "exception": {
        "values": [
            {
                "type": "TypeError",
                "value": "Cannot read properties of undefined (reading 'id') card 4242424242424242",
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
                        {
                            "filename": "/srv/app/main.js",
                            "module": "main",
                            "function": "?",
                            "lineno": 5,
                            "colno": 1,
                            "in_app": True,
                        },
                        {
                            "filename": "/srv/app/services/billing.js",
                            "module": "services:billing",
                            "function": "Object.loadInvoice",
                            "lineno": 10,
                            "colno": 15,
                            "in_app": True,
                        },
                        {
                            "filename": "/srv/app/node_modules/lodash/get.js",
                            "module": "lodash:get",
                            "function": "get",
                            "lineno": 3,
                            "in_app": False,
                        },
                    ]
                },
            }
        ]
    },
}


def _node(rules: list[PathRule], **changes: Any) -> ProcessedEvent:
    return process_sentry_event(
        {**NODE_EVENT, **changes},
        envelope_headers={"event_id": NODE_EVENT["event_id"]},
        received_at=NOW,
        client_ip="203.0.113.9",
        path_rules=rules,
    )


def test_node_event_top_frame_is_newest_in_app() -> None:
    event = _node([PathRule(strip_prefix="/srv/app/")])
    assert event.top_frame is not None
    assert (event.top_frame.path, event.top_frame.line, event.top_frame.column) == (
        "services/billing.js",
        10,
        15,
    )
    assert event.stack[-1].original_path == "/srv/app/node_modules/lodash/get.js"
    assert [f.in_app for f in event.stack] == [False, True, True, False]
    assert event.occurred_at == NOW - timedelta(seconds=1)
    assert event.grouping_parts == [["exc", "TypeError", ["main|", "services:billing|loadInvoice"]]]


def test_node_event_without_rules_keeps_original_path() -> None:
    event = _node([])
    assert event.top_frame is not None
    assert (event.top_frame.path, event.top_frame.original_path) == (
        None,
        "/srv/app/services/billing.js",
    )


def test_sentry_event_scrubbed() -> None:
    event = _node([])
    assert event.tags == {"tenant": "acme", "session_id": FILTERED}
    assert FILTERED in event.message and "4242424242424242" not in event.message
    assert event.payload["request"]["headers"] == [["Cookie", FILTERED], ["Accept", "*/*"]]
    assert event.payload["user"] == {"id": "7", "ip_address": "203.0.113.9"}
    assert event.payload["event_id"] == NODE_EVENT["event_id"]
    assert "4242424242424242" not in repr(event.payload)


def test_capture_message_event() -> None:
    event = process_sentry_event(
        {
            "platform": "node",
            "message": "Cache miss storm",
            "level": "info",
            "exception": {
                "values": [
                    {
                        "value": "Cache miss storm",
                        "mechanism": {"type": "generic", "synthetic": True},
                        "stacktrace": {
                            "frames": [
                                {
                                    "filename": "/srv/app/cache.js",
                                    "function": "warm",
                                    "in_app": True,
                                }
                            ]
                        },
                    }
                ]
            },
        },
        envelope_headers=None,
        received_at=NOW,
        client_ip=None,
        path_rules=[],
    )
    assert (event.error_type, event.message, event.level) == ("", "Cache miss storm", "info")
    assert event.grouping_parts == [["msg", "Cache miss storm"]]
    assert [f.function for f in event.stack] == ["warm"]
    assert len(event.event_id) == 32


def test_errors_noted_in_payload() -> None:
    event = _node([], level="loud", errors=[{"name": "x", "reason": "sdk"}])
    assert event.level == "error"
    assert event.payload["errors"] == [
        {"name": "x", "reason": "sdk"},
        {"name": "level", "reason": "unknown"},
    ]


def test_empty_event() -> None:
    event = process_sentry_event(
        {}, envelope_headers=None, received_at=NOW, client_ip=None, path_rules=[]
    )
    assert (event.error_type, event.message, event.stack, event.top_frame) == ("", "", [], None)
    assert event.grouping_parts == [["fallback", "", ""]]
    assert event.commit_source == "none"


# --- native API ------------------------------------------------------------------------------

PY_TRACE = """\
Traceback (most recent call last):
  File "/srv/app/run.py", line 16, in <module>
    charge(99)
  File "/srv/app/myapp/billing.py", line 10, in charge
    raise ValueError(f"Invoice {number} not found")
  File "/srv/app/.venv/lib/python3.11/site-packages/lib/x.py", line 3, in helper
    raise ValueError(msg)
ValueError: Invoice 99 not found
"""


def test_native_text_trace() -> None:
    event = process_native_event(
        NativeEvent(
            stack_trace=PY_TRACE,
            commit_sha="ABCDEF1234567",
            deployment_id="deploy-7",
            context={"password": "x", "k": "v"},
            metadata={"host": "web-1"},
            tags={"tenant": "acme"},
        ),
        received_at=NOW,
        path_rules=[PathRule(strip_prefix="/srv/app/")],
    )
    assert (event.error_type, event.message) == ("ValueError", "Invoice 99 not found")
    assert (event.platform, event.commit_sha, event.commit_source) == (
        "python",
        "abcdef1234567",
        "native",
    )
    assert [f.path for f in event.stack] == [
        "run.py",
        "myapp/billing.py",
        ".venv/lib/python3.11/site-packages/lib/x.py",
    ]
    assert [f.in_app for f in event.stack] == [True, True, False]
    assert event.top_frame is not None and event.top_frame.path == "myapp/billing.py"
    assert event.grouping_parts == [["exc", "ValueError", ["run.py|<module>", "billing.py|charge"]]]
    assert event.deployment_id == "deploy-7"
    assert event.payload["deployment_id"] == "deploy-7"
    assert event.payload["context"] == {"password": FILTERED, "k": "v"}
    assert event.payload["metadata"] == {"host": "web-1"}
    assert event.occurred_at == NOW


def test_native_frames_win_over_text() -> None:
    event = process_native_event(
        NativeEvent(
            error_type="BillingError",
            message="charge failed",
            platform="python",
            stack_trace=PY_TRACE,
            frames=[
                {"filename": "myapp/api.py", "function": "handler", "lineno": 4},
                {"filename": "myapp/pay.py", "function": "pay", "lineno": 8, "in_app": True},
            ],
            event_id="E8A54D02-6910-4112-805B-CF804A5B8369",
            occurred_at=datetime(2026, 11, 22, 1, 33, 0),
            release="shop@deadbeef",
        ),
        received_at=NOW,
        path_rules=[],
    )
    assert [f.path for f in event.stack] == ["myapp/api.py", "myapp/pay.py"]
    assert (event.error_type, event.message) == ("BillingError", "charge failed")
    assert event.event_id == "e8a54d0269104112805bcf804a5b8369"
    assert event.occurred_at == datetime(2026, 11, 22, 1, 33, 0, tzinfo=UTC)
    assert (event.commit_sha, event.commit_source) == ("deadbeef", "release")
    assert event.top_frame is not None and event.top_frame.function == "pay"


def test_native_message_only() -> None:
    event = process_native_event(
        NativeEvent(message="Disk 93% full on /dev/sda1", level="warning", fingerprint=["disk"]),
        received_at=NOW,
        path_rules=[],
    )
    assert (event.error_type, event.level, event.platform) == ("", "warning", "other")
    assert event.grouping_parts == ["disk"]
    assert event.stack == [] and event.top_frame is None


def test_native_grouping_stable_across_deploys() -> None:
    def run(prefix: str, shift: int) -> str:
        trace = PY_TRACE.replace("/srv/app/", prefix)
        for n in (16, 10, 3):
            trace = trace.replace(f"line {n},", f"line {n + shift},")
        return process_native_event(
            NativeEvent(stack_trace=trace), received_at=NOW, path_rules=[]
        ).fingerprint

    assert run("/srv/app/", 0) == run("/releases/2026-11-22/", 5)


def test_native_huge_message_truncated() -> None:
    event = process_native_event(
        NativeEvent(message="x" * 50_000, error_type="E"), received_at=NOW, path_rules=[]
    )
    assert len(event.message) == 8192
