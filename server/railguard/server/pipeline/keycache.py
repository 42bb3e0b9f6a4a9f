"""Ingest-key lookups with a short cache (positive and negative), so ingest rarely waits on SQL.

Each server process (`railguard serve --workers N`) has its own cache: a revoke takes effect at
once in the process that served it and within the cache's `ttl` (5 s) in the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
from cachetools import TTLCache

from railguard.server.db import queries
from railguard.server.ingest.scrub_text import ScrubPolicy


@dataclass(frozen=True)
class KeyInfo:
    id: int
    project_id: int
    revoked: bool
    project_deleted: bool
    rate_limit_per_minute: int | None
    path_rules: list[dict[str, Any]]
    scrub_policy: ScrubPolicy


_MISSING = object()


class KeyCache:
    """Key → KeyInfo for `ttl` seconds. A revoke in this process takes effect at once
    (`forget`); other processes see it within `ttl`."""

    def __init__(self, pool: asyncpg.Pool, ttl: float = 5.0, size: int = 10_000) -> None:
        self._pool = pool
        self._cache: TTLCache[str, KeyInfo | None] = TTLCache(maxsize=size, ttl=ttl)

    async def lookup(self, public_key: str) -> KeyInfo | None:
        # One read: `in` then `[]` can straddle the TTL boundary and raise KeyError (a 500).
        cached = self._cache.get(public_key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        row = await queries.lookup_key(self._pool, public_key=public_key)
        info = None
        if row is not None:
            info = KeyInfo(
                id=row["id"],
                project_id=row["project_id"],
                revoked=row["revoked_at"] is not None,
                project_deleted=row["deleted_at"] is not None,
                rate_limit_per_minute=row["rate_limit_per_minute"],
                path_rules=list(row["path_rules"] or []),
                scrub_policy=ScrubPolicy(
                    emails=row["scrub_emails"], ip_addresses=row["scrub_ip_addresses"]
                ),
            )
        self._cache[public_key] = info
        return info

    def forget(self, public_key: str | None = None) -> None:
        if public_key is None:
            self._cache.clear()
        else:
            self._cache.pop(public_key, None)
