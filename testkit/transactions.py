"""Transactions exactly as the real Python `sentry_sdk` makes them, for load and fault tests:
the SDK builds one (captured by an in-process transport, never sent), then each send copies it
with fresh ids and timestamps, so the server parses what SDKs really send."""

from __future__ import annotations

import copy
import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

_lock = threading.Lock()


class _Capture(Transport):
    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


def sdk_transaction(route: str = "GET /orders/{id}", spans: int = 20) -> dict[str, Any]:
    """One transaction payload made by `sentry_sdk` with `spans` child spans (db and http)."""
    with _lock:
        transport = _Capture()
        client = sentry_sdk.Client(
            dsn="http://0123456789abcdef0123456789abcdef@127.0.0.1/1",
            traces_sample_rate=1.0, transport=transport, environment="production",
            release="shop@1.0",
        )  # fmt: skip
        scope = sentry_sdk.get_isolation_scope()
        old = scope.client
        scope.set_client(client)
        try:
            with sentry_sdk.start_transaction(name=route, op="http.server", source="route"):
                for n in range(spans):
                    op, name = (
                        ("db", f"SELECT * FROM orders WHERE id = {n}")
                        if n % 2 == 0
                        else ("http.client", "GET http://pricing/quote")
                    )
                    with sentry_sdk.start_span(op=op, name=name):
                        pass
            client.flush(timeout=5)
        finally:
            scope.set_client(old)
            client.close()
    (envelope,) = transport.envelopes
    payload = envelope.items[0].payload.json
    assert payload is not None and payload["type"] == "transaction"
    return payload


def fresh(template: dict[str, Any], *, duration_ms: float = 50.0,
          route: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A copy with new event, trace and span ids, starting now and lasting `duration_ms`."""
    tx = copy.deepcopy(template)
    trace = secrets.token_hex(16)
    start = datetime.now(UTC)
    end = start + timedelta(milliseconds=duration_ms)
    tx["event_id"] = secrets.token_hex(16)
    if route is not None:
        tx["transaction"] = route
    root = tx["contexts"]["trace"]
    root["trace_id"], root["span_id"] = trace, secrets.token_hex(8)
    tx["start_timestamp"], tx["timestamp"] = _iso(start), _iso(end)
    step = duration_ms / max(len(tx["spans"]), 1)
    for n, span in enumerate(tx["spans"]):
        span["trace_id"], span["span_id"] = trace, secrets.token_hex(8)
        span["parent_span_id"] = root["span_id"]
        s = start + timedelta(milliseconds=n * step)
        span["start_timestamp"], span["timestamp"] = _iso(s), _iso(s + timedelta(milliseconds=step))
    return tx


def envelope(tx: dict[str, Any]) -> bytes:
    head = orjson.dumps({"event_id": tx["event_id"], "sent_at": _iso(datetime.now(UTC))})
    body = orjson.dumps(tx)
    item = orjson.dumps({"type": "transaction", "length": len(body)})
    return b"\n".join((head, item, body)) + b"\n"


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
