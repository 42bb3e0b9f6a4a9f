"""Bytes on disk per stored event: `python -m bench.disk` (docs/sizing.md quotes it).

Real Python-SDK envelopes (the bench's small and large templates) go through `railguard serve`
into an embedded PostgreSQL; the growth of the events partitions and the idempotency receipts
(tables, TOAST and indexes, after VACUUM) is divided by the number of events stored.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import aiohttp
import asyncpg
from testkit.served import ServedBackend

from bench import sdk_events
from bench.harness import Run, setup_backend

_SIZE = (
    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
    "WHERE c.relkind = 'r' AND (c.relname LIKE 'events%' OR c.relname = 'event_receipts')"
)


async def _size(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
        return int(await conn.fetchval(_SIZE))
    finally:
        await conn.close()


async def _send(url: str, envelope_url: str, headers: dict[str, str], tpl: sdk_events.Template,
                count: int) -> None:  # fmt: skip
    gate = asyncio.Semaphore(16)
    template = tpl.to_json()
    async with aiohttp.ClientSession() as http:

        async def one(i: int) -> None:
            body = sdk_events.render(template, i % 200, uuid.uuid4().hex)
            async with gate, http.post(envelope_url, data=body, headers=headers) as resp:
                assert resp.status == 200, await resp.text()

        await asyncio.gather(*(one(i) for i in range(count)))


async def measure(run: Run, small_count: int, large_count: int) -> list[str]:
    from railguard.server.embedded_db import EmbeddedPostgres
    from railguard.server.migrations import migrate_up

    pg = EmbeddedPostgres(run.work / "pg")
    admin = await asyncio.to_thread(pg.start)
    try:
        conn = await asyncpg.connect(admin)
        await conn.execute("CREATE DATABASE railguard_disk")
        await conn.close()
        db_url = admin.rsplit("/", 1)[0] + "/railguard_disk"
        await migrate_up(db_url)
        app_root = run.work / "app"
        app_root.mkdir()
        sdk_events.write_app(app_root)
        small, large = await asyncio.to_thread(sdk_events.capture, app_root)
        served = ServedBackend(db_url, run.work / "server.log")
        await asyncio.to_thread(served.start)
        url = served.url
        backend = await setup_backend(url)
        lines = []
        for name, tpl, count in (("small", small, small_count), ("large", large, large_count)):
            before = await _size(db_url)
            await _send(url, backend.envelope_url("ingest"), backend.sentry_headers("ingest"),
                        tpl, count)  # fmt: skip
            grown = await _size(db_url) - before
            event_bytes = len(tpl.envelope.split(b"\n", 2)[2])
            lines.append(
                f"{name}: {event_bytes:,} B event JSON x {count:,} events -> {grown:,} B on disk "
                f"= {grown / count:,.0f} B per event (events + indexes + TOAST + receipts)"
            )
        served.stop()
        return lines
    finally:
        run.stop_all()
        await asyncio.to_thread(pg.stop, "fast")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.disk", description=__doc__)
    parser.add_argument("--small", type=int, default=5000, help="small events to store")
    parser.add_argument("--large", type=int, default=1000, help="large events to store")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="railguard-disk-"))
    if os.geteuid() == 0:
        work.chmod(0o755)  # the embedded PostgreSQL runs as its own user and needs to enter
    try:
        for line in asyncio.run(measure(Run(work=work, quick=False), args.small, args.large)):
            print(line)  # noqa: T201 - this is a command-line report
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
