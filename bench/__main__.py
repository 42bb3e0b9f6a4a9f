"""`python -m bench`: every benchmark scenario against this machine's own ceilings.

Starts an embedded PostgreSQL in a temporary home, migrates a database, starts `railguard serve`
and a no-op aiohttp server as separate processes, and drives them with `bench.loadgen` processes
(loopback only, bounded in count and time). Prints a table and writes `bench/results.json`.

Options: `--quick` (shorter runs, for a smoke test), `--profile` (py-spy records the server during
the small-event run into `bench/profile-*.folded.txt` (collapsed stacks)), `--out PATH`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from testkit.served import free_port, wait_for_health

from bench import sdk_events, sourcemaps
from bench.alert_scenarios import SmtpSink, scenario_ingest_to_email
from bench.cpu import postmaster_pid
from bench.editor_scenarios import (
    scenario_editor_query,
    scenario_ingest_to_editor,
    scenario_lsp_memory,
    scenario_placement,
)
from bench.harness import HERE, PY, Run, setup_backend
from bench.ingest_scenarios import (
    copy_ceiling,
    scenario_http_ceiling,
    scenario_ingest,
    scenario_latency,
)
from bench.poison import scenario_writer_poison
from bench.report import machine, table
from bench.trace_scenarios import scenario_traces
from bench.uptime_scenarios import (
    scenario_dispatch_throughput,
    scenario_uptime_alert,
    scenario_uptime_schedule,
)
from bench.web_scenarios import scenario_web_lists


async def main_async(args: argparse.Namespace, run: Run) -> None:
    from railguard.server.embedded_db import EmbeddedPostgres
    from railguard.server.migrations import migrate_up

    say = print  # noqa: T201 - this is a command-line report
    run.results["machine"] = machine()
    run.results["started_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    pg = EmbeddedPostgres(run.work / "pg")
    say("starting embedded PostgreSQL ...", flush=True)
    admin_url = await asyncio.to_thread(pg.start)
    run.pg_pid = postmaster_pid(pg.pgdata)
    try:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute("CREATE DATABASE railguard_bench")
            run.results["machine"]["postgresql"] = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
        db_url = admin_url.rsplit("/", 1)[0] + "/railguard_bench"
        await migrate_up(db_url)
        await _scenarios(args, run, db_url, say)
    finally:
        run.stop_all()
        await asyncio.to_thread(pg.stop, "fast")


async def _scenarios(args: argparse.Namespace, run: Run, db_url: str, say: Any) -> None:
    smtp = SmtpSink().start()
    server = await asyncio.to_thread(run.serve, db_url, args.workers, smtp.env())
    noop_port = free_port()
    noop = run.spawn("noop", [PY, "-m", "bench.noop_server", str(noop_port)])
    noop_url = f"http://127.0.0.1:{noop_port}"
    await asyncio.to_thread(wait_for_health, noop_url + "/health", noop.popen, noop.log, 60)
    backend = await setup_backend(server.url)

    app_root = run.work / "editor-repo"
    sdk_events.write_app(app_root)
    small, large = await asyncio.to_thread(sdk_events.capture, app_root)
    templates = {}
    for name, tpl in (("small", small), ("large", large)):
        templates[name] = run.work / f"template-{name}.json"
        templates[name].write_text(json.dumps(tpl.to_json()))
    run.results["event_bytes"] = {
        "small": len(small.envelope.split(b"\n", 2)[2]),
        "large": len(large.envelope.split(b"\n", 2)[2]),
    }

    steps: list[tuple[str, Any]] = [
        ("HTTP ceiling (no-op aiohttp handler)",
         lambda: scenario_http_ceiling(run, noop_url, templates, backend)),
        ("PostgreSQL ceiling (batched COPY)", lambda: _copy_ceilings(run, db_url, small, large)),
        ("ingest, small and large events",
         lambda: scenario_ingest(run, backend, templates, server.pid, args.profile)),
        ("writer with and without poison events", lambda: _poison(run, db_url, backend, small)),
        ("acknowledgement latency at half the maximum",
         lambda: scenario_latency(run, backend, templates, server.pid)),
        ("ingest -> editor", lambda: scenario_ingest_to_editor(run, backend, app_root, templates)),
        ("ingest -> alert email", lambda: scenario_ingest_to_email(run, backend, smtp)),
        ("uptime: monitor down -> alert email and webhook",
         lambda: scenario_uptime_alert(run, backend, db_url, smtp)),
        ("alert dispatch throughput", lambda: scenario_dispatch_throughput(run, backend, db_url)),
        ("alerting cost on the ingest writer", lambda: _alert_overhead(run)),
        ("uptime: 1,000 monitors at 30 s", lambda: scenario_uptime_schedule(run, db_url, noop_url)),
        ("editor query on 10k incidents / 1M events",
         lambda: scenario_editor_query(run, backend, db_url, run.work / "seeded-repo")),
        ("web incident list and search on 100k incidents / 5M events",
         lambda: scenario_web_lists(run, backend, db_url)),
        ("language server: placement", lambda: _sync(scenario_placement, run)),
        ("performance data: transactions, routes table, route chart",
         lambda: scenario_traces(run, backend, db_url)),
        ("language server: memory",
         lambda: scenario_lsp_memory(run, backend, run.work / "seeded-repo")),
        ("source maps: mapping CPU and memory", lambda: _sync(_sourcemaps, run, say)),
    ]  # fmt: skip
    try:
        await _run_steps(args, run, steps, server, say)
    finally:
        smtp.stop()


async def _run_steps(
    args: argparse.Namespace, run: Run, steps: list[tuple[str, Any]], server: Any, say: Any
) -> None:
    for title, step in steps:
        if args.only and not any(o in title for o in args.only):
            continue
        began = time.perf_counter()
        say(f"- {title} ...", flush=True)
        try:
            await step()
        except Exception as exc:  # report what ran; a failing scenario must not hide the rest
            run.results.setdefault("failures", {})[title] = f"{type(exc).__name__}: {exc}"
            say(f"  FAILED: {type(exc).__name__}: {exc}", flush=True)
        say(f"  ({time.perf_counter() - began:.1f} s)", flush=True)
        if not server.running():
            raise RuntimeError(f"the server died:\n{server.log.read_text()[-3000:]}")


async def _copy_ceilings(
    run: Run, db_url: str, small: sdk_events.Template, large: sdk_events.Template
) -> None:
    q = run.quick
    run.results["ceiling_copy_small"] = await copy_ceiling(db_url, small, 5000 if q else 20_000)
    run.results["ceiling_copy_large"] = await copy_ceiling(db_url, large, 1000 if q else 4000)


async def _poison(run: Run, db_url: str, backend: Any, small: sdk_events.Template) -> None:
    project_id = backend.projects["ingest"]["id"]
    count = 5000 if run.quick else 20_000
    run.results["writer_poison"] = await scenario_writer_poison(db_url, project_id, small, count)


async def _alert_overhead(run: Run) -> None:
    from bench.alert_overhead import measure

    run.results["alert_overhead"] = await measure(run.work / "alert-overhead")


def _sourcemaps(run: Run, say: Any) -> None:
    run.results["sourcemaps"] = sourcemaps.measure(100 if run.quick else 500)
    say("  " + sourcemaps.report(run.results["sourcemaps"]), flush=True)


async def _sync(fn: Any, *args: Any) -> None:
    fn(*args)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument("--profile", action="store_true", help="py-spy the server under load")
    parser.add_argument("--only", action="append", help="run scenarios whose title has this")
    parser.add_argument(
        "--rate", type=float, help="latency scenario at this rate (default: half max)"
    )
    parser.add_argument("--workers", type=int, help="railguard serve --workers (default: its own)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="railguard-bench-"))
    if os.geteuid() == 0:
        work.chmod(0o755)  # the embedded PostgreSQL runs as its own user and needs to enter
    run = Run(work=work, quick=args.quick, rate=args.rate)
    began = time.perf_counter()
    try:
        asyncio.run(main_async(args, run))
    finally:
        run.results["total_seconds"] = round(time.perf_counter() - began, 1)
        args.out.write_text(json.dumps(run.results, indent=2, default=str) + "\n")
        print()  # noqa: T201
        done = any(
            k in run.results for k in ("ingest_small", "latency_half_max", "ingest_to_email")
        )
        print(table(run.results) if done else "(incomplete run)")  # noqa: T201
        print(f"\nresults: {args.out}  ({run.results['total_seconds']} s)")  # noqa: T201
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}")  # noqa: T201


if __name__ == "__main__":
    main()
