"""Alert scenario: event ingested -> alert email accepted by an SMTP server (aiosmtpd on
loopback, run by the bench), with the server's default settings (coalescing, polling)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from typing import Any

import aiohttp
from aiosmtpd.controller import Controller
from testkit.served import free_port

from bench.harness import Backend, Run


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.monotonic()
        text = envelope.content.decode(errors="replace")
        with self.sink.lock:
            self.sink.accepted.append((at, text))
        return "250 2.0.0 accepted"


class SmtpSink:
    """Accepts every message and records when (monotonic clock) and what."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.accepted: list[tuple[float, str]] = []
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def env(self) -> dict[str, str]:
        return {
            "RAILGUARD_SMTP_HOST": "127.0.0.1",
            "RAILGUARD_SMTP_PORT": str(self.port),
            "RAILGUARD_SMTP_SECURITY": "none",
        }

    def find(self, marker: str) -> float | None:
        with self.lock:
            return next((at for at, text in self.accepted if marker in text), None)


def _envelope(marker: str) -> bytes:
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id, "platform": "python", "level": "error",
        "environment": "production", "timestamp": time.time(),
        "exception": {"values": [{"type": marker, "value": "bench alert",
                                  "stacktrace": {"frames": [
                                      {"filename": "app/run.py", "function": "main",
                                       "lineno": 3, "in_app": True}]}}]},
    }  # fmt: skip
    payload = json.dumps(event).encode()
    header = json.dumps({"event_id": event_id}).encode()
    item = json.dumps({"type": "event", "length": len(payload)}).encode()
    return header + b"\n" + item + b"\n" + payload + b"\n"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def scenario_ingest_to_email(run: Run, backend: Backend, sink: SmtpSink) -> None:
    """One new incident per sample, each in its own project (so the burst rule, which would
    summarise many alerts for one recipient, does not apply); time from the POST to the mail."""
    samples = 10 if run.quick else 40
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session:
        for n in range(samples):
            async with session.post(
                f"{backend.url}/api/v1/projects", headers=backend.headers,
                json={"name": f"alert-{n}", "repository": f"github.com/bench/alert-{n}"},
            ) as resp:  # fmt: skip
                project = await resp.json()
            marker = f"BenchAlert{uuid.uuid4().hex[:12]}Error"
            key = project["ingest_key"]["public_key"]
            began = time.monotonic()
            async with session.post(
                f"{backend.url}/api/{project['id']}/envelope/", data=_envelope(marker),
                headers={"Content-Type": "application/x-sentry-envelope",
                         "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7"},
            ) as resp:  # fmt: skip
                assert resp.status == 200, await resp.text()
            deadline = began + 30
            while (at := sink.find(marker)) is None and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            if at is None:
                raise RuntimeError(f"no alert mail within 30 s for sample {n}")
            latencies.append((at - began) * 1000)
            await asyncio.sleep(0.2)
    run.results["ingest_to_email"] = {
        "samples": samples,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
    }
