"""`python -m bench.alert_overhead`: what deciding alerts costs the ingest writer.

Runs the real `EventWriter._write_batch` (one transaction per batch of 500 events) on a private
embedded PostgreSQL, with the alert decision on and off (off = the writer's decide statement
replaced by a no-op), alternating A/B rounds, and reports per event: wall time of the batch,
CPU of this process and CPU of PostgreSQL. Two shapes: `new` (every event a new incident, the
worst case: every batch runs the decide statement for 500 incidents) and `steady` (events of
100 known incidents: the writer only checks the returned change kinds). `make bench` runs it
too (scenario "alerting cost on the ingest writer", `measure`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.cpu import postmaster_pid, tree_cpu

BATCH = 500
ROUNDS = 6
BATCHES_PER_ROUND = 6


def _payload(kind: int) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4().hex, "platform": "python", "level": "error",
        "environment": "production", "timestamp": time.time(),
        "exception": {"values": [{"type": f"Overhead{kind}Error", "value": "x",
                                  "stacktrace": {"frames": [
                                      {"filename": "app/run.py", "function": f"f{kind}",
                                       "lineno": 3, "in_app": True}]}}]},
    }  # fmt: skip


def _subs(project_id: int, kinds: range) -> list[Any]:
    from railguard.server.ingest.process import process_sentry_event
    from railguard.server.pipeline.batch import Submission

    now = datetime.now(UTC)
    return [
        Submission(
            project_id,
            None,
            process_sentry_event(
                _payload(k), envelope_headers={}, received_at=now, client_ip=None, path_rules=[]
            ),
            now,
        )  # fmt: skip
        for k in kinds
    ]


async def _project(pool: Any) -> int:
    from railguard.server.alerts.store import create_defaults

    async with pool.acquire() as conn:
        uid = await conn.fetchval(
            "INSERT INTO users (email) VALUES ($1) RETURNING id", f"{uuid.uuid4().hex}@x.org"
        )
        org = await conn.fetchval("INSERT INTO organizations (name) VALUES ('b') RETURNING id")
        pid = await conn.fetchval(
            "INSERT INTO projects (name, owner_id, organization_id, repository) "
            "VALUES ('b', $1, $2, $3) RETURNING id",
            uid, org, f"github.com/bench/{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO organization_members (organization_id, user_id, role) "
            "VALUES ($1, $2, 'owner')",
            org, uid,
        )  # fmt: skip
        await create_defaults(conn, pid)
    return int(pid)


async def _round(writer: Any, batches: list[list[Any]], pg_pid: int | None) -> tuple[float, ...]:
    pg0, cpu0, t0 = tree_cpu(pg_pid) or 0.0, time.process_time(), time.perf_counter()
    for batch in batches:
        await writer._write_batch(batch)
    n = sum(len(b) for b in batches)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    pg = (tree_cpu(pg_pid) or 0.0) - pg0
    return wall * 1e6 / n, cpu * 1e6 / n, pg * 1e6 / n


async def measure(work: Path) -> dict[str, Any]:
    """Medians per shape and mode (`wall_us`, `writer_cpu_us`, `postgres_cpu_us` per event) and
    the cost of alerting in percent of the `off` figures."""
    from railguard.server import db
    from railguard.server.db import queries
    from railguard.server.embedded_db import EmbeddedPostgres
    from railguard.server.migrations import migrate_up
    from railguard.server.pipeline.writer import EventWriter

    pg = EmbeddedPostgres(work / "pg")
    admin = await asyncio.to_thread(pg.start)
    try:
        import asyncpg

        conn = await asyncpg.connect(admin)
        await conn.execute("CREATE DATABASE overhead")
        await conn.close()
        url = admin.rsplit("/", 1)[0] + "/overhead"
        await migrate_up(url)
        pool = await db.create_pool(url)
        writer = EventWriter(pool)
        real = queries.decide_incident_alerts

        async def off(conn: Any, **kw: Any) -> None:
            return None

        pg_pid = postmaster_pid(pg.pgdata)
        results: dict[tuple[str, str], list[tuple[float, ...]]] = {}
        steady_project = await _project(pool)
        await writer._write_batch(_subs(steady_project, range(100)))  # the known incidents
        next_kind = 1000
        for _ in range(ROUNDS):
            for mode in ("on", "off"):
                queries.decide_incident_alerts = real if mode == "on" else off
                project = await _project(pool)
                batches = []
                for _ in range(BATCHES_PER_ROUND):
                    batches.append(_subs(project, range(next_kind, next_kind + BATCH)))
                    next_kind += BATCH
                results.setdefault(("new", mode), []).append(await _round(writer, batches, pg_pid))
                steady = [_subs(steady_project, range(k % 100, k % 100 + 1))[0]
                          for k in range(BATCH * BATCHES_PER_ROUND)]  # fmt: skip
                chunks = [steady[i : i + BATCH] for i in range(0, len(steady), BATCH)]
                results.setdefault(("steady", mode), []).append(
                    await _round(writer, chunks, pg_pid)
                )
        queries.decide_incident_alerts = real
        await pool.close()
    finally:
        await asyncio.to_thread(pg.stop, "fast")
    out: dict[str, Any] = {"batch": BATCH, "rounds": ROUNDS, "batches_per_round": BATCHES_PER_ROUND}
    names = ("wall_us", "writer_cpu_us", "postgres_cpu_us")
    for shape in ("new", "steady"):
        medians = {
            mode: {n: round(statistics.median(r[i] for r in results[(shape, mode)]), 1)
                   for i, n in enumerate(names)}
            for mode in ("off", "on")
        }  # fmt: skip
        cpu = {m: medians[m]["writer_cpu_us"] + medians[m]["postgres_cpu_us"] for m in medians}
        out[shape] = {
            **medians,
            "cpu_overhead_percent": round(100 * (cpu["on"] - cpu["off"]) / cpu["off"], 1),
            "wall_overhead_percent": round(
                100 * (medians["on"]["wall_us"] - medians["off"]["wall_us"])
                / medians["off"]["wall_us"], 1,
            ),
        }  # fmt: skip
    return out


async def main_async(work: Path) -> None:
    out = await measure(work)
    say = print  # noqa: T201 - a command-line report
    say(f"median of {ROUNDS} alternating rounds, {BATCHES_PER_ROUND} batches of {BATCH} each")
    say("shape   alerts  wall us/ev  writer CPU us/ev  PostgreSQL CPU us/ev")
    for shape in ("new", "steady"):
        for mode in ("off", "on"):
            med = out[shape][mode]
            say(f"{shape:7} {mode:6}  {med['wall_us']:10.1f}  {med['writer_cpu_us']:16.1f}  "
                f"{med['postgres_cpu_us']:20.1f}")  # fmt: skip
        say(f"{shape:7} alerting: CPU {out[shape]['cpu_overhead_percent']:+.1f} %, "
            f"wall {out[shape]['wall_overhead_percent']:+.1f} %")  # fmt: skip


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="railguard-overhead-"))
    if os.geteuid() == 0:
        work.chmod(0o755)
    try:
        asyncio.run(main_async(work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
