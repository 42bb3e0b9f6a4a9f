"""A poison event (one the database refuses) gets its own error; its batch neighbours are
committed in a few dozen transactions, not one at a time."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import UTC, datetime

import pytest
from e2e import event_count, new_project

from railguard.server import db
from railguard.server.ingest.process import process_native_event
from railguard.server.pipeline.batch import Submission
from railguard.server.pipeline.writer import _SPLIT, EventRejected, EventWriter, WriteResult
from railguard.wire.models import NativeEvent
from support import Api


class CountingWriter(EventWriter):
    transactions = 0

    async def _write_batch(self, subs: list[Submission]) -> tuple[list[WriteResult], int | None]:
        self.transactions += 1
        return await super()._write_batch(subs)


def _submission(project_id: int, n: int) -> Submission:
    event = process_native_event(
        NativeEvent(error_type="ValueError", message=f"m{n % 7}"),
        received_at=datetime.now(UTC), path_rules=[],
    )  # fmt: skip
    return Submission(
        project_id=project_id, key_id=None, event=event, received_at=event.occurred_at
    )


@pytest.mark.parametrize("poisons", [1, 3])
async def test_poison_is_isolated_by_bisection(api: Api, database_url: str, poisons: int) -> None:
    ctx = await new_project(api)
    pool = await db.create_pool(database_url)
    writer = CountingWriter(pool, batch_size=500, batch_wait=0.5)
    writer.start()
    try:
        subs = [_submission(ctx.pid, n) for n in range(300)]
        for index in range(poisons):  # the database refuses this JSON
            bad = dataclasses.replace(subs[50 + 97 * index].event, payload_json=b"{not json")
            subs[50 + 97 * index] = dataclasses.replace(subs[50 + 97 * index], event=bad)
        results = await asyncio.gather(*(writer.submit(s) for s in subs), return_exceptions=True)
    finally:
        await writer.stop()
        await pool.close()
    rejected = [i for i, r in enumerate(results) if isinstance(r, EventRejected)]
    assert rejected == [50 + 97 * i for i in range(poisons)]
    assert all(isinstance(r, WriteResult) for i, r in enumerate(results) if i not in rejected)
    assert await event_count(database_url) == 300 - poisons
    # One failed batch, then k-way splitting: at most k·s·log_s(n) + 1 transactions (was n + 1).
    bound = poisons * _SPLIT * math.ceil(math.log(300, _SPLIT)) + 1
    assert writer.transactions <= bound, writer.transactions
    print("transactions:", writer.transactions)
