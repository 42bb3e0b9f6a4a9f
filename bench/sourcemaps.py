"""Source map mapping cost: `python -m bench.sourcemaps` (also a step of `python -m bench`).

A synthetic bundle's map of about 5 MB (one minified line, 200 sources with `sourcesContent`,
written here with a small VLQ encoder) and a Sentry JavaScript event whose exception has 20
frames in that bundle. Measured as this thread's CPU time (on a shared machine the figure that
says what mapping costs; wall time is printed beside it):

- **warm**: `process.finish_source_maps` with the parsed map in hand (what an event costs once
  the resolver's caches hold its map and names): target ≤ 1 ms per event;
- **first event**: parsing the map (`sourcemaps.parsed.parse`) and mapping the event: target
  ≤ 50 ms;
- **memory**: the resident memory the parsed map added, beside the weight the cache charges
  for it (`RAILGUARD_SOURCEMAP_CACHE_MB` bounds the sum of weights).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from railguard.server.ingest.jsmaps import MapOutcome
from railguard.server.ingest.process import finish_source_maps, process_sentry_event
from railguard.server.sourcemaps.parsed import parse

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BUNDLE_URL = "https://cdn.example.com/static/js/main.3f9a1c2b.js"
FRAMES = 20


def _vlq(value: int) -> str:
    n = (-value << 1) | 1 if value < 0 else value << 1
    out = ""
    while True:
        digit, n = n & 31, n >> 5
        out += _B64[digit | (32 if n else 0)]
        if not n:
            return out


def synthetic_map(target_bytes: int = 5 * 2**20, seed: int = 7) -> tuple[bytes, list[int]]:
    """A map of about `target_bytes` and the generated columns of some of its tokens."""
    rng = random.Random(seed)
    sources, contents, names = [], [], [f"fn{i}" for i in range(2000)]
    for s in range(200):
        sources.append(f"../src/module{s}.js")
        lines = [
            f"export function fn{s}_{j}(a, b) {{ return a * {j} + b; }} // {rng.random():.6f}"
            for j in range(250)
        ]
        contents.append("\n".join(lines))
    segments: list[str] = []
    prev = [0, 0, 0, 0, 0]  # column, source, line, source column, name
    column, columns = 0, []
    size = sum(len(c) for c in contents)
    while size + sum(len(x) + 1 for x in segments[-1:]) * len(segments) < target_bytes:
        column += rng.randint(3, 12)
        src, line, col, name = (
            rng.randrange(200),
            rng.randrange(250),
            rng.randrange(60),
            rng.randrange(2000),
        )
        fields = [column - prev[0], src - prev[1], line - prev[2], col - prev[3], name - prev[4]]
        segments.append("".join(_vlq(f) for f in fields))
        prev = [column, src, line, col, name]
        if len(segments) % 997 == 0:
            columns.append(column + 1)
    data = {"version": 3, "sources": sources, "sourcesContent": contents, "names": names,
            "mappings": ",".join(segments)}  # fmt: skip
    return json.dumps(data).encode(), columns


def js_event(columns: list[int]) -> dict[str, Any]:
    frames = [
        {"filename": BUNDLE_URL, "abs_path": BUNDLE_URL, "function": f"x{i}", "lineno": 1,
         "colno": columns[i * 7 % len(columns)], "in_app": True}
        for i in range(FRAMES)
    ]  # fmt: skip
    return {
        "event_id": "0" * 32, "platform": "javascript", "release": "web@1.0.0",
        "exception": {"values": [{"type": "TypeError", "value": "x is undefined",
                                  "stacktrace": {"frames": frames}}]},
    }  # fmt: skip


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(repeat: int = 500) -> dict[str, Any]:
    map_bytes, columns = synthetic_map()
    payload = js_event(columns)
    now = datetime.now(UTC)

    def processed() -> Any:
        return process_sentry_event(
            payload, envelope_headers=None, received_at=now, client_ip=None, path_rules=[]
        )

    rss_before = _rss()
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    parsed = parse(map_bytes, None)
    first = finish_source_maps(processed(), {BUNDLE_URL: MapOutcome(parsed)})
    first_cpu, first_wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    rss_after = _rss()
    mapped = sum(1 for f in first.stack if f.mapping and f.mapping.status == "mapped")

    events = [processed() for _ in range(repeat)]
    outcomes = {BUNDLE_URL: MapOutcome(parsed)}
    cpu: list[float] = []
    began = time.perf_counter()
    for event in events:
        t = time.thread_time()
        finish_source_maps(event, outcomes)
        cpu.append(time.thread_time() - t)
    wall = (time.perf_counter() - began) / repeat
    return {
        "map_mb": round(len(map_bytes) / 2**20, 2),
        "frames": FRAMES,
        "frames_mapped": mapped,
        "warm_cpu_ms_per_event": round(statistics.mean(cpu) * 1000, 3),
        "warm_cpu_ms_p99": round(sorted(cpu)[int(len(cpu) * 0.99)] * 1000, 3),
        "warm_wall_ms_per_event": round(wall * 1000, 3),
        "first_event_cpu_ms": round(first_cpu * 1000, 1),
        "first_event_wall_ms": round(first_wall * 1000, 1),
        "parsed_rss_mb": round((rss_after - rss_before) / 2**20, 1),
        "cache_weight_mb": round(parsed.weight / 2**20, 1),
        "targets": {"warm_ms": 1.0, "first_ms": 50.0},
    }


def report(result: dict[str, Any]) -> str:
    return (
        f"source maps ({result['map_mb']} MB map, {result['frames']}-frame stack, "
        f"{result['frames_mapped']} mapped): warm {result['warm_cpu_ms_per_event']} ms CPU/event "
        f"(p99 {result['warm_cpu_ms_p99']}, target <= 1); first event "
        f"{result['first_event_cpu_ms']} ms CPU / {result['first_event_wall_ms']} ms wall "
        f"(target <= 50); parsed map {result['parsed_rss_mb']} MB resident, cache charges "
        f"{result['cache_weight_mb']} MB"
    )


def main() -> None:
    print(report(measure()))  # noqa: T201 - a command-line report


if __name__ == "__main__":
    main()
