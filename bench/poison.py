"""The writer with and without poison events: committed events per second, in-process.

Poison events are ones the database refuses (here: a payload that is not JSON). The writer
isolates them by bisecting the failed batch; the baseline run writes a failed batch again one
event per transaction (how the writer used to do it). Both runs use the same
SDK-captured event (new ids), the same batch size and project; the ratio is what matters.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench import sdk_events


async def scenario_writer_poison(
    db_url: str, project_id: int, template: sdk_events.Template, count: int, every: int = 1000
) -> dict[str, Any]:
    clean = await _run(db_url, project_id, template, count, every=None)
    poisoned = await _run(db_url, project_id, template, count, every=every)
    serial = await _run(db_url, project_id, template, count, every=every, serial=True)
    return {
        "events": count,
        "poison_every": every,
        "clean_eps": clean["eps"],
        "poison_eps": poisoned["eps"],
        "serial_eps": serial["eps"],
        "good_rate_kept": round(poisoned["eps"] / clean["eps"], 2) if clean["eps"] else None,
        "serial_rate_kept": round(serial["eps"] / clean["eps"], 2) if clean["eps"] else None,
        "clean_transactions": clean["transactions"],
        "poison_transactions": poisoned["transactions"],
        "serial_transactions": serial["transactions"],
        "rejected": poisoned["rejected"],
    }


async def _run(
    db_url: str,
    project_id: int,
    template: sdk_events.Template,
    count: int,
    *,
    every: int | None,
    serial: bool = False,
) -> dict[str, Any]:
    from railguard.server import db
    from railguard.server.ingest.process import process_sentry_event
    from railguard.server.pipeline.batch import Submission
    from railguard.server.pipeline.writer import EventRejected, EventWriter, WriteResult

    class Counting(EventWriter):
        transactions = 0

        async def _write_batch(
            self, subs: list[Submission]
        ) -> tuple[list[WriteResult], int | None]:
            self.transactions += 1
            return await super()._write_batch(subs)

    class Serial(Counting):
        """The baseline: after a failed batch, one transaction per event (the old way)."""

        async def _write(self, batch: list[Any]) -> None:
            if len(batch) == 1:
                return await super()._write(batch)
            try:
                results, _ = await self._write_batch([sub for sub, _ in batch])
            except Exception:
                for one in batch:
                    await super()._write([one])
                return
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    pool = await db.create_pool(db_url)
    try:
        now = datetime.now(UTC)
        subs = []
        for n in range(count):
            payload = dict(template.payload, event_id=uuid.uuid4().hex)
            event = process_sentry_event(
                payload, envelope_headers=None, received_at=now, client_ip=None, path_rules=[]
            )
            if every and n % every == every // 2:
                event = dataclasses.replace(event, payload_json=b"{not json")
            subs.append(Submission(project_id=project_id, key_id=None, event=event,
                                   received_at=now))  # fmt: skip
        writer = Serial(pool) if serial else Counting(pool)
        writer.start()
        began = time.perf_counter()
        try:
            results = await asyncio.gather(*(writer.submit(s) for s in subs),
                                           return_exceptions=True)  # fmt: skip
        finally:
            elapsed = time.perf_counter() - began
            await writer.stop()
        good = sum(isinstance(r, WriteResult) for r in results)
        return {
            "eps": round(good / elapsed),
            "transactions": writer.transactions,
            "rejected": sum(isinstance(r, EventRejected) for r in results),
        }
    finally:
        await pool.close()
