"""Performance-data benchmarks: transaction ingest (sentry_sdk-made transactions of 20 spans,
acknowledged after COMMIT), the routes table for 1,000 routes over 24 h, a route's 14-day
chart, bytes per span on disk and metric rows per route per day (docs/performance.md)."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import aiohttp
import asyncpg
from testkit.transactions import envelope, fresh, sdk_transaction

from bench.harness import Backend, Run

TARGETS = {"tx_per_s": 1000, "routes_p99_ms": 50, "chart_ms": 100}
_ROUTES = 1000
_SEED_DAYS = 14


async def _ingest(backend: Backend, total: int, concurrency: int) -> dict[str, Any]:
    template = sdk_transaction(spans=20)
    bodies = [
        envelope(fresh(template, duration_ms=5 + (n % 97) * 3, route=f"GET /bench/{n % 50}"))
        for n in range(total)
    ]
    url, headers = backend.envelope_url("ingest"), backend.sentry_headers("ingest")
    statuses: dict[int, int] = {}
    queue = list(reversed(bodies))

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue:
            body = queue.pop()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

    began = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    ok = statuses.get(200, 0)
    return {
        "transactions": total, "spans_each": 20, "ok": ok, "statuses": statuses,
        "seconds": round(elapsed, 2), "ok_per_s": round(ok / elapsed, 1),
        "envelope_bytes": len(bodies[0]),
    }  # fmt: skip


async def _storage(conn: asyncpg.Connection, project_id: int) -> dict[str, Any]:
    spans = await conn.fetchval("SELECT count(*) FROM spans WHERE project_id = $1", project_id)
    txs = await conn.fetchval("SELECT count(*) FROM transactions WHERE project_id = $1", project_id)
    sizes = {
        table: await conn.fetchval(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass",
            table,
        )  # fmt: skip
        for table in ("spans", "transactions")
    }
    per_day = await conn.fetch(
        "SELECT resolution, count(*)::float / count(DISTINCT (environment, route, "
        "date_trunc('day', bucket))) AS rows FROM route_stats WHERE project_id = $1 "
        "GROUP BY resolution", project_id,
    )  # fmt: skip
    return {
        "spans": spans, "transactions": txs,
        "bytes_per_span": round(sizes["spans"] / spans, 1) if spans else None,
        "bytes_per_transaction_row": round(sizes["transactions"] / txs, 1) if txs else None,
        "metric_rows_per_route_day": {r["resolution"]: round(r["rows"], 1) for r in per_day},
    }  # fmt: skip


_SEED = """
INSERT INTO route_stats (project_id, resolution, environment, route, bucket, count, errors,
                         duration_sum, hist)
SELECT $1, res, 'production', 'GET /seeded/' || r, b, 60, r % 3, 60 * (20 + r % 200),
       ARRAY(SELECT ((400 + (r % 300) + k * 7)::bigint << 32) | 2 FROM generate_series(0, 29) k)
FROM generate_series(0, $2 - 1) r,
     LATERAL (SELECT 'hour' AS res,
                     generate_series(date_trunc('hour', now()) - make_interval(days => $3),
                                     date_trunc('hour', now()), '1 hour') AS b
              UNION ALL
              SELECT 'day', generate_series(date_trunc('day', now()) - make_interval(days => $3),
                                            date_trunc('day', now()), '1 day')) s
"""


async def _timed_get(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], times: int
) -> list[float]:
    out = []
    for _ in range(times):
        began = time.perf_counter()
        async with session.get(url, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            await resp.read()
        out.append((time.perf_counter() - began) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def scenario_traces(run: Run, backend: Backend, db_url: str) -> None:
    q = run.quick
    result: dict[str, Any] = {"under_load_note": "shared 2-core machine; numbers are floors"}
    result["ingest"] = await _ingest(backend, 600 if q else 4000, 32)
    conn = await asyncpg.connect(db_url)
    try:
        result["storage"] = await _storage(conn, backend.projects["ingest"]["id"])
        seeded = backend.projects["seeded"]["id"]
        began = time.perf_counter()
        await conn.execute(_SEED, seeded, _ROUTES, _SEED_DAYS)
        await conn.execute("ANALYZE route_stats")
        result["seed_seconds"] = round(time.perf_counter() - began, 1)
    finally:
        await conn.close()
    base = f"{backend.url}/api/v1/projects/{seeded}"
    async with aiohttp.ClientSession() as session:
        table = await _timed_get(
            session, f"{base}/routes?window=24h&sort=p95&limit=1000", backend.headers,
            20 if q else 100,
        )  # fmt: skip
        chart = await _timed_get(
            session, f"{base}/routes/detail?route=GET%20/seeded/7&window=14d", backend.headers,
            10 if q else 30,
        )  # fmt: skip
    result["routes_table_1000_routes_24h"] = {
        "p50_ms": _p(table, 0.5), "p99_ms": _p(table, 0.99),
        "mean_ms": round(statistics.mean(table), 1),
    }  # fmt: skip
    result["route_chart_14d_hourly"] = {"p50_ms": _p(chart, 0.5), "max_ms": _p(chart, 1.0)}
    run.results["traces"] = result


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    r = results.get("traces")
    if not r:
        return []

    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    ing, st = r["ingest"], r["storage"]
    table, chart = r["routes_table_1000_routes_24h"], r["route_chart_14d_hourly"]
    return [
        (f"transaction ingest (sentry_sdk, 20 spans, {ing['envelope_bytes']} B)",
         f"{ing['ok_per_s']:.0f} tx/s ({ing['ok']}/{ing['transactions']} ok)",
         f"{st['bytes_per_span']} B/span on disk; metric rows/route/day "
         f"{st['metric_rows_per_route_day']}", f">= {TARGETS['tx_per_s']}",
         met(ing["ok_per_s"] >= TARGETS["tx_per_s"])),
        ("routes table, 1,000 routes over 24 h", f"p99 {table['p99_ms']} ms",
         f"p50 {table['p50_ms']} ms", f"p99 <= {TARGETS['routes_p99_ms']} ms",
         met(table["p99_ms"] <= TARGETS["routes_p99_ms"])),
        ("route chart, 14 days hourly", f"p50 {chart['p50_ms']} ms", f"max {chart['max_ms']} ms",
         f"<= {TARGETS['chart_ms']} ms", met(chart["p50_ms"] <= TARGETS["chart_ms"])),
    ]  # fmt: skip
