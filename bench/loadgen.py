"""A small aiohttp load generator, run as its own process: `python -m bench.loadgen SPEC.json`.

Modes (the spec's `mode`):
- `closed`: `connections` workers send bodies back to back until `count` or `duration` is spent;
  reports acknowledged events/s (2xx after commit) and latencies.
- `open`: sends at a fixed `rate` for `duration` whatever the answers (open loop, so a slow
  server cannot hide its queueing: latency runs from each request's *scheduled* time).
- `get`: `count` GETs of `urls` (round robin) with `connections` workers; latencies only.

Bodies are built before the clock starts: real SDK envelopes from a template (see
`sdk_events`), each with a fresh event id and one of `kinds` error kinds, compressed like the
Python SDK does (brotli level 4) unless `encoding` says otherwise. Output: one JSON object on
stdout. Only loopback targets are accepted.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.sdk_events import render


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _encode(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        import brotli

        return bytes(brotli.compress(body, quality=4))
    if encoding == "gzip":
        import gzip

        return gzip.compress(body, 9)
    return body


def build_bodies(spec: dict[str, Any]) -> list[bytes]:
    if "template" not in spec:
        return [b""] * int(spec["count"])
    with open(spec["template"]) as fh:
        template = json.load(fh)
    kinds = int(spec.get("kinds", 1000))
    offset = int(spec.get("kind_offset", 0))
    encoding = spec.get("encoding", "br")
    return [
        _encode(render(template, offset + n % kinds, uuid.uuid4().hex), encoding)
        for n in range(int(spec["count"]))
    ]


class Tally:
    def __init__(self) -> None:
        self.statuses: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []
        self.first: float | None = None
        self.last: float | None = None

    def done(self, start: float, status: int | None, error: str | None) -> None:
        end = time.perf_counter()
        if status is not None:
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            self.latencies.append(end - start)
        else:
            self.errors[error or "error"] = self.errors.get(error or "error", 0) + 1
        self.last = end

    def report(self, began: float) -> dict[str, Any]:
        ok = sum(n for s, n in self.statuses.items() if s.startswith("2"))
        elapsed = (self.last or began) - began
        lat = self.latencies
        return {
            "sent": sum(self.statuses.values()) + sum(self.errors.values()),
            "ok": ok,
            "statuses": self.statuses,
            "errors": self.errors,
            "elapsed_s": round(elapsed, 4),
            "ok_per_s": round(ok / elapsed, 1) if elapsed > 0 else None,
            "p50_ms": _ms(percentile(lat, 50)),
            "p90_ms": _ms(percentile(lat, 90)),
            "p99_ms": _ms(percentile(lat, 99)),
            "max_ms": _ms(max(lat) if lat else None),
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


async def _send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    tally: Tally,
    start: float,
) -> None:
    try:
        async with session.request(method, url, data=body, headers=headers) as resp:
            await resp.read()
            tally.done(start, resp.status, None)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        tally.done(start, None, type(exc).__name__)


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    urls: list[str] = spec["urls"] if "urls" in spec else [spec["url"]]
    for url in urls:
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"refusing a non-loopback target: {url}")
    headers: dict[str, str] = dict(spec.get("headers", {}))
    encoding = spec.get("encoding", "br")
    if "template" in spec and encoding != "identity":
        headers["Content-Encoding"] = encoding
    mode = spec["mode"]
    method = "GET" if mode == "get" else "POST"
    bodies: list[bytes | None] = [None] * int(spec["count"]) if mode == "get" else []
    if mode != "get":
        bodies = list(build_bodies(spec))
    duration = float(spec.get("duration", 30))
    connections = int(spec.get("connections", 32))
    timeout = aiohttp.ClientTimeout(total=float(spec.get("request_timeout", 30)))
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    tally = Tally()
    late = 0
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, skip_auto_headers=("User-Agent",)
    ) as session:
        began = time.perf_counter()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = usage.ru_utime + usage.ru_stime
        deadline = began + duration
        if mode in ("closed", "get"):
            it = iter(enumerate(bodies))

            async def worker() -> None:
                for n, body in it:
                    if time.perf_counter() > deadline:
                        return
                    url = urls[n % len(urls)]
                    await _send(session, method, url, body, headers, tally, time.perf_counter())

            await asyncio.gather(*(worker() for _ in range(connections)))
        else:
            rate = float(spec["rate"])
            tasks: set[asyncio.Task[None]] = set()
            for n, body in enumerate(bodies):
                due = began + n / rate
                if due > deadline:
                    break
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                elif wait < -0.05:
                    late += 1
                task = asyncio.create_task(
                    _send(session, "POST", urls[n % len(urls)], body, headers, tally, due)
                )
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if tasks:
                await asyncio.wait(tasks, timeout=float(spec.get("request_timeout", 30)))
        result = tally.report(began)
        result["mode"] = mode
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["cpu_s"] = round(usage.ru_utime + usage.ru_stime - cpu_before, 2)
        if mode == "open":
            result["target_rate"] = spec["rate"]
            result["late_sends"] = late
        result["body_bytes"] = (
            round(sum(len(b) for b in bodies if b) / max(1, len(bodies))) if bodies else 0
        )
        return result


def main() -> None:
    with open(sys.argv[1]) as fh:
        spec = json.load(fh)
    result = asyncio.run(run(spec))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
