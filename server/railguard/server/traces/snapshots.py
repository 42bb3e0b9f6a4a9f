"""Request snapshots: which slow or failed transactions keep their request (scrubbed) and tags.

A transaction is a candidate when it failed or took at least `slow_ms`; of the candidates, at
most `per_minute` per project, route and minute are kept by each server process (a bounded
counter, so a storm of failures keeps a sample, not every request). Headers go through the same
scrubber as error events before anything is stored.
"""

from __future__ import annotations

from typing import Any

from cachetools import TTLCache

from railguard.server.ingest.scrub import scrub
from railguard.server.traces.model import Transaction
from railguard.server.traces.rows import truncate


class SnapshotSampler:
    def __init__(self, *, slow_ms: float, per_minute: int) -> None:
        self._slow_ms = slow_ms
        self._per_minute = per_minute
        self._counts: TTLCache[tuple[int, str, str], int] = TTLCache(maxsize=50_000, ttl=120)

    def choose(self, project_id: int, txs: list[Transaction]) -> dict[int, dict[str, Any]]:
        """Index in `txs` -> the snapshot to store with it."""
        out: dict[int, dict[str, Any]] = {}
        for index, tx in enumerate(txs):
            if not (tx.failed or tx.duration_ms >= self._slow_ms) or self._per_minute == 0:
                continue
            minute = truncate(tx.started_at, "minute").isoformat()
            key = (project_id, tx.name, minute)
            seen = self._counts.get(key, 0)
            if seen >= self._per_minute:
                continue
            self._counts[key] = seen + 1
            out[index] = scrub(
                {"reason": "failed" if tx.failed else "slow", "request": tx.request or {},
                 "tags": tx.tags or {}}
            )  # fmt: skip
        return out
