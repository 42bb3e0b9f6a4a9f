"""Ingest scenarios: the two ceilings (no-op HTTP, batched COPY), throughput and latency."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import sdk_events
from bench.harness import Backend, Run, cpu, loadgen, profiling


def _event_records(template: sdk_events.Template, count: int) -> list[tuple[Any, ...]]:
    """The rows the writer would insert into `events` for `count` events of this template."""
    import orjson

    from railguard.server.ingest.envelope import parse_envelope
    from railguard.server.ingest.process import process_sentry_event
    from railguard.server.pipeline.batch import Submission, event_columns, group_key

    raw = template.to_json()
    subs = []
    now = datetime.now(UTC)
    for n in range(count):
        env = parse_envelope(sdk_events.render(raw, n % 2000, uuid.uuid4().hex))
        payload = orjson.loads(env.items[0].payload)
        event = process_sentry_event(
            payload, envelope_headers=env.headers, received_at=now, client_ip="127.0.0.1",
            path_rules=[],
        )  # fmt: skip
        subs.append(Submission(project_id=1, key_id=1, event=event, received_at=now))
    ids = {group_key(s): i for i, s in enumerate(subs)}
    cols = event_columns(subs, ids)
    names = list(cols)
    return [tuple(cols[n][i] for n in names) for i in range(count)]


_COPY_COLUMNS = (
    "event_id", "project_id", "incident_id", "received_at", "occurred_at", "level", "error_type",
    "message", "commit_sha", "commit_source", "environment", "release", "deployment_id",
    "platform", "tags", "payload",
)  # fmt: skip


async def copy_ceiling(db_url: str, template: sdk_events.Template, count: int) -> dict[str, Any]:
    """Rows/s of a batched COPY (500 rows a transaction) of the same event rows into a scratch
    table shaped like `events` (same columns, primary key and incident index)."""
    records = await asyncio.to_thread(_event_records, template, count)
    records = [(uuid.UUID(r[0]), *r[1:]) for r in records]
    conn = await asyncpg.connect(db_url)
    try:
        table = f"bench_copy_{uuid.uuid4().hex[:8]}"
        await conn.execute(f"CREATE TABLE {table} (LIKE events INCLUDING ALL)")
        began = time.perf_counter()
        for start in range(0, len(records), 500):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    table, records=records[start : start + 500], columns=_COPY_COLUMNS
                )
        elapsed = time.perf_counter() - began
        await conn.execute(f"DROP TABLE {table}")
    finally:
        await conn.close()
    return {"rows": len(records), "elapsed_s": round(elapsed, 3),
            "rows_per_s": round(len(records) / elapsed, 1)}  # fmt: skip


# --- scenarios ---------------------------------------------------------------------------------


def ingest_spec(
    backend: Backend, template: Path, *, count: int, duration: float, connections: int,
    kinds: int, mode: str = "closed", rate: float | None = None, project: str = "ingest",
) -> dict[str, Any]:  # fmt: skip
    spec: dict[str, Any] = {
        "mode": mode, "url": backend.envelope_url(project),
        "headers": backend.sentry_headers(project), "template": str(template), "count": count,
        "duration": duration, "connections": connections, "kinds": kinds, "encoding": "br",
    }  # fmt: skip
    if rate is not None:
        spec["rate"] = rate
    return spec


async def scenario_http_ceiling(
    run: Run, noop_url: str, templates: dict[str, Path], backend: Backend
) -> None:
    q = run.quick
    for size, count, duration in (("small", 40_000, 8.0), ("large", 6_000, 6.0)):
        spec = ingest_spec(
            backend, templates[size], count=count // (4 if q else 1),
            duration=duration / (2 if q else 1), connections=32, kinds=2000,
        )  # fmt: skip
        spec["url"] = noop_url + "/api/1/envelope/"
        run.results[f"ceiling_http_{size}"] = await loadgen(run, f"noop-{size}", spec)


async def scenario_ingest(
    run: Run, backend: Backend, templates: dict[str, Path], server_pid: int, profile: bool
) -> None:
    q = run.quick
    plans = (("small", 60_000, 15.0, 2000), ("large", 12_000, 15.0, 500))  # > 15 s of sends
    for size, count, duration, kinds in plans:
        count, duration = (count // 4, duration / 3) if q else (count, duration)
        warm = ingest_spec(
            backend, templates[size], count=max(200, count // 20), duration=5, connections=32,
            kinds=kinds,
        )  # fmt: skip
        await loadgen(run, f"ingest-{size}-warmup", warm)
        spec = ingest_spec(
            backend, templates[size], count=count, duration=duration, connections=64, kinds=kinds
        )
        with (
            profiling(run, profile, server_pid, f"ingest-{size}", duration),
            cpu(run, server_pid) as use,
        ):
            run.results[f"ingest_{size}"] = await loadgen(run, f"ingest-{size}", spec)
        run.results[f"ingest_{size}"]["cpu"] = use


async def scenario_latency(
    run: Run, backend: Backend, templates: dict[str, Path], server_pid: int
) -> None:
    if run.rate:  # --rate: a fixed offered load, to compare runs or builds at the same rate
        rate = run.rate
    else:
        peak = run.results["ingest_small"]["ok_per_s"] or 100.0
        rate = round(peak / 2, 1)
    duration = 5.0 if run.quick else 15.0
    spec = ingest_spec(
        backend, templates["small"], count=int(rate * duration) + 1, duration=duration,
        connections=256, kinds=2000, mode="open", rate=rate,
    )  # fmt: skip
    with cpu(run, server_pid) as use:
        run.results["latency_half_max"] = await loadgen(run, "latency", spec)
    run.results["latency_half_max"]["cpu"] = use
    run.results["latency_half_max"]["fixed_rate"] = bool(run.rate)
