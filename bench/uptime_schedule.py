"""`python -m bench.uptime_schedule`: does the uptime scheduler keep 1,000 monitors at 30 s
intervals on time, on this machine, without running any slot twice?

Starts an embedded PostgreSQL (temporary home), `railguard serve` (default workers) and a
no-op aiohttp target as separate processes; inserts N HTTP monitors (GET the target's
/health, every `--interval` s) with their first slots at random in the first interval, as the
server places a new monitor's (or all in one instant with `--aligned`: a worst case the server
itself does not produce), lets them run for `--duration` s, then reads the heartbeats:
lateness (start time minus slot), slots run twice, slots missed, and the server's CPU.

Beside it, the machine's own ceiling, measured at the same time: a separate process that does
nothing but sleep until the same number of evenly spread deadlines per second (asyncio, like
the server) and records how late it wakes. Lateness the probe also sees is the machine's (a
shared, loaded VM descheduling processes), not the scheduler's.
Writes `bench/uptime-results.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from testkit.served import free_port, wait_for_health

from bench.cpu import postmaster_pid, tree_cpu, tree_cpu_split
from bench.harness import HERE, PY, Run


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _insert_monitors(url: str, count: int, interval: int, target: str, aligned: bool) -> None:
    conn = await asyncpg.connect(url)
    try:
        owner = await conn.fetchval(
            "INSERT INTO users (email, display_name) VALUES ('bench@example.com', 'bench') "
            "RETURNING id"
        )
        org = await conn.fetchval("INSERT INTO organizations (name) VALUES ('bench') RETURNING id")
        project = await conn.fetchval(
            "INSERT INTO projects (name, owner_id, organization_id, repository) VALUES ('bench', "
            "$1, $2, 'github.com/bench/uptime') RETURNING id",
            owner,
            org,
        )
        config = json.dumps({"kind": "http", "url": target, "method": "GET", "status_min": 200,
                             "status_max": 399, "body_contains": None, "follow_redirects": True,
                             "verify_tls": True, "cert_expiry_days": 14})  # fmt: skip
        await conn.execute(
            "INSERT INTO monitors (project_id, name, kind, config, interval_seconds, "
            "timeout_seconds, retries, next_run_at) "
            "SELECT $1, 'm' || i, 'http', $2::jsonb, $3::int, least(10, $3::int), 1, "
            "now() + interval '5 seconds' + make_interval(secs => CASE WHEN $5 THEN 0 "
            "ELSE random() * least($3::int, 30) END) FROM generate_series(0, $4::int - 1) AS i",
            project, config, interval, count, aligned,
        )  # fmt: skip
    finally:
        await conn.close()


def _lateness(late: list[float]) -> dict[str, Any] | None:
    if not late:
        return None
    return {
        "p50": round(_quantile(late, 0.5), 4), "p99": round(_quantile(late, 0.99), 4),
        "p999": round(_quantile(late, 0.999), 4), "max": round(max(late), 4),
        "mean": round(statistics.fmean(late), 4), "over_1s": sum(1 for x in late if x > 1.0),
    }  # fmt: skip


async def _probe(rate: float, duration: float) -> dict[str, Any]:
    """Sleep until `rate` evenly spread deadlines a second; how late each wake-up is."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 1
    late: list[float] = []

    async def one(deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        late.append(loop.time() - deadline)

    await asyncio.gather(*(one(start + i / rate) for i in range(int(rate * duration))))
    return {"wakeups": len(late), "lateness_s": _lateness(late)}


async def _measure(url: str, since: Any) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM checked_at - due_at)::float8 AS late, ok, "
            "extract(epoch FROM due_at - $1)::float8 AS at "
            "FROM heartbeats WHERE due_at >= $1", since,
        )  # fmt: skip
        doubled = await conn.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM heartbeats GROUP BY monitor_id, due_at "
            "HAVING count(*) > 1) d"
        )
        # Slots that came due in the window but have no heartbeat (none should be missing).
        missing = await conn.fetchval(
            "SELECT count(*) FROM monitors m CROSS JOIN LATERAL generate_series("
            "  (SELECT min(due_at) FROM heartbeats h WHERE h.monitor_id = m.id AND due_at >= $1),"
            "  now() - interval '15 seconds', make_interval(secs => m.interval_seconds)) AS s "
            "WHERE NOT EXISTS (SELECT 1 FROM heartbeats h WHERE h.monitor_id = m.id "
            "  AND h.due_at = s)", since,
        )  # fmt: skip
    finally:
        await conn.close()
    late = [r["late"] for r in rows]
    return {
        "checks": len(rows),
        "failed_checks": sum(1 for r in rows if not r["ok"]),
        "slots_run_twice": doubled,
        "slots_missed": missing,
        "lateness_s": _lateness(late),
        # When (seconds into the run, distinct) the checks more than 1 s late were due: a
        # cluster at one moment is a stall of the machine or a process, not of the plan.
        "over_1s_at": sorted({round(r["at"], 1) for r in rows if r["late"] > 1.0}),
    }  # fmt: skip


async def main_async(args: argparse.Namespace, run: Run) -> dict[str, Any]:
    from railguard.server.embedded_db import EmbeddedPostgres
    from railguard.server.migrations import migrate_up

    say = print  # noqa: T201 - a command-line report
    pg = EmbeddedPostgres(run.work / "pg")
    admin_url = await asyncio.to_thread(pg.start)
    pg_pid = postmaster_pid(pg.pgdata)
    try:
        conn = await asyncpg.connect(admin_url)
        await conn.execute("CREATE DATABASE railguard_uptime")
        await conn.close()
        url = admin_url.rsplit("/", 1)[0] + "/railguard_uptime"
        await migrate_up(url)
        target_port, port = free_port(), free_port()
        target = run.spawn("target", [PY, "-m", "bench.noop_server", str(target_port)])
        wait_for_health(f"http://127.0.0.1:{target_port}/health", target.popen, target.log, 60)
        workers = ["--workers", str(args.workers)] if args.workers else []
        server = run.spawn(
            "server", [PY, "-m", "railguard.server", "serve", "--port", str(port), *workers],
            {"RAILGUARD_DATABASE_URL": url, "RAILGUARD_LOG_LEVEL": "WARNING"},
        )  # fmt: skip
        wait_for_health(f"http://127.0.0.1:{port}/api/v1/health", server.popen, server.log, 60)
        await _insert_monitors(url, args.monitors, args.interval,
                               f"http://127.0.0.1:{target_port}/health", args.aligned)  # fmt: skip
        conn = await asyncpg.connect(url)
        since = await conn.fetchval("SELECT now() + interval '5 seconds'")
        await conn.close()
        say(f"{args.monitors} monitors every {args.interval} s; running {args.duration} s ...")
        cpu_before = tree_cpu_split(server.popen.pid), tree_cpu(pg_pid)
        began = time.perf_counter()
        rate = args.monitors / args.interval
        probe = await asyncio.create_subprocess_exec(
            PY, "-m", "bench.uptime_schedule", "--probe", str(rate), "--duration",
            str(args.duration), stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        probe_out, _ = await probe.communicate()
        await asyncio.sleep(max(0.0, args.duration - (time.perf_counter() - began)))
        wall = time.perf_counter() - began
        cpu_after = tree_cpu_split(server.popen.pid), tree_cpu(pg_pid)
        result = await _measure(url, since)
        result["machine_probe"] = json.loads(probe_out)
        if cpu_before[0] and cpu_after[0] and cpu_before[1] and cpu_after[1]:
            result["server_cpu_percent"] = round(
                100 * (sum(cpu_after[0]) - sum(cpu_before[0])) / wall, 1
            )
            result["postgres_cpu_percent"] = round(100 * (cpu_after[1] - cpu_before[1]) / wall, 1)
        result.update(monitors=args.monitors, interval_s=args.interval, duration_s=args.duration,
                      aligned=args.aligned, workers=args.workers or "default")  # fmt: skip
        return result
    finally:
        run.stop_all()
        await asyncio.to_thread(pg.stop, "fast")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.uptime_schedule")
    parser.add_argument("--monitors", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--duration", type=float, default=150.0)
    parser.add_argument("--aligned", action="store_true", help="every first slot at one instant")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=str(HERE / "uptime-results.json"))
    parser.add_argument("--probe", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe is not None:
        print(json.dumps(asyncio.run(_probe(args.probe, args.duration))))  # noqa: T201
        return
    with tempfile.TemporaryDirectory(prefix="rg-uptime-bench-") as work:
        run = Run(Path(work), quick=False)
        result = asyncio.run(main_async(args, run))
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
