"""The ingest-time lookup: an event's minified files → parsed maps, behind two bounded caches.

`finish` is what the ingest view calls for an event with a `SourceMapJob`: for each minified
file it finds the map by debug ID first, then by release + URL (`jsmaps.candidate_urls`), parses
it in a thread (a first 5 MB map must not stall the event loop) and hands the outcomes to
`process.finish_source_maps`. Parsed maps live in an LRU bounded in bytes
(`sourcemap_cache_mb`); which file maps to which blobs is remembered for a short while, so a
warm event costs no query. An upload in this process forgets its project's names at once;
other processes see it within `_NAME_TTL` seconds (docs/source-maps.md).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
from cachetools import LRUCache, TTLCache

from railguard.server.db import fetch_all, queries
from railguard.server.ingest.jsmaps import MapOutcome, MapRequest, candidate_urls
from railguard.server.ingest.process import ProcessedEvent, finish_source_maps
from railguard.server.sourcemaps.files import join_url
from railguard.server.sourcemaps.parsed import CorruptMap, ParsedMap, parse
from railguard.wire.models import MappingReason

__all__ = ["CacheStats", "SourceMapResolver"]

log = logging.getLogger(__name__)

_NAME_TTL = 10.0
_NAMES = 20_000


@dataclass(frozen=True, slots=True)
class _Found:
    map_sha: bytes
    minified_sha: bytes | None


@dataclass(frozen=True, slots=True)
class _Corrupt:
    weight: int = 64


@dataclass(frozen=True, slots=True)
class CacheStats:
    maps: int
    bytes: int
    max_bytes: int


def _weight(value: ParsedMap | _Corrupt) -> int:
    return max(1, value.weight)


class SourceMapResolver:
    def __init__(self, pool: asyncpg.Pool, *, cache_bytes: int) -> None:
        self._pool = pool
        self._maps: LRUCache[tuple[bytes, bytes | None], ParsedMap | _Corrupt] = LRUCache(
            maxsize=cache_bytes, getsizeof=_weight
        )
        self._names: TTLCache[tuple[Any, ...], _Found | MappingReason | None] = TTLCache(
            maxsize=_NAMES, ttl=_NAME_TTL
        )
        self._parsing: dict[tuple[bytes, bytes | None], asyncio.Task[ParsedMap | _Corrupt]] = {}

    def stats(self) -> CacheStats:
        return CacheStats(
            maps=len(self._maps), bytes=int(self._maps.currsize), max_bytes=int(self._maps.maxsize)
        )

    def forget(self, project_id: int) -> None:
        """Drop what this process remembers of a project's file names (after an upload)."""
        for key in [k for k in self._names if k[0] == project_id]:
            self._names.pop(key, None)

    async def finish(self, project_id: int, processed: ProcessedEvent) -> ProcessedEvent:
        job = processed.source_maps
        if job is None:
            return processed
        event = job.event
        outcomes: dict[str, MapOutcome] = {}
        for request in job.requests:
            outcome = await self._outcome(project_id, event.release, event.dist or "", request)
            if outcome is not None:
                outcomes[request.abs_path] = outcome
        return finish_source_maps(processed, outcomes)

    async def _outcome(
        self, project_id: int, release: str | None, dist: str, request: MapRequest
    ) -> MapOutcome | None:
        key = (project_id, release, dist, request.abs_path, request.debug_id)
        if key in self._names:
            found = self._names[key]
        else:
            found = await self._locate(project_id, release, dist, request)
            self._names[key] = found
        if found is None:
            return None
        if not isinstance(found, _Found):
            return MapOutcome(None, found)
        parsed = await self._parsed(found)
        if isinstance(parsed, _Corrupt):
            return MapOutcome(None, "corrupt_map")
        return MapOutcome(parsed)

    async def _locate(
        self, project_id: int, release: str | None, dist: str, request: MapRequest
    ) -> _Found | MappingReason | None:
        """The blob of the file's map, or why there is none; None: do not judge this file (no
        debug ID, it does not look minified, and no file of its name was ever uploaded)."""
        if request.debug_id:
            rows = await fetch_all(
                queries.source_files_by_debug_id(
                    self._pool, project_id=project_id, debug_id=request.debug_id
                )
            )
            maps = [r for r in rows if r["kind"] == "source_map"]
            if maps:
                minified = [r for r in rows if r["kind"] == "minified_source"]
                return _Found(_sha(maps[0]), _sha(minified[0]) if minified else None)
        if release:
            found = await self._by_release(project_id, release, dist, request.abs_path)
            if found is not None:
                return found
        if request.debug_id:
            return "unknown_debug_id"
        if not request.minified and not await queries.source_file_name_known(
            self._pool, project_id=project_id, urls=candidate_urls(request.abs_path)
        ):
            return None  # not a bundle we know of: no verdict, no noise
        return "no_map_for_release" if release else "no_release"

    async def _by_release(
        self, project_id: int, release: str, dist: str, abs_path: str
    ) -> _Found | None:
        names = candidate_urls(abs_path)
        wanted = names + [n + ".map" for n in names]
        rows = await self._rows(project_id, release, dist, wanted)
        by_url = {(r["url"], r["kind"]): r for r in reversed(rows)}  # newest wins
        minified = next((by_url[(n, "minified_source")] for n in names
                         if (n, "minified_source") in by_url), None)  # fmt: skip
        map_row = None
        if minified is not None and minified["sourcemap_ref"]:
            ref = join_url(minified["url"], minified["sourcemap_ref"])
            map_row = by_url.get((ref, "source_map"))
            if map_row is None:
                extra = await self._rows(project_id, release, dist, [ref])
                map_row = next((r for r in extra if r["kind"] == "source_map"), None)
        if map_row is None:
            map_row = next((by_url[(n + ".map", "source_map")] for n in names
                            if (n + ".map", "source_map") in by_url), None)  # fmt: skip
        if map_row is None:
            return None
        return _Found(_sha(map_row), _sha(minified) if minified is not None else None)

    async def _rows(
        self, project_id: int, release: str, dist: str, urls: list[str]
    ) -> list[asyncpg.Record]:
        return await fetch_all(
            queries.source_files_by_urls(
                self._pool, project_id=project_id, release=release, dist=dist, urls=urls
            )
        )

    async def _parsed(self, found: _Found) -> ParsedMap | _Corrupt:
        key = (found.map_sha, found.minified_sha)
        cached = self._maps.get(key)
        if cached is not None:
            return cached
        task = self._parsing.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(found))
            self._parsing[key] = task
            task.add_done_callback(lambda _: self._parsing.pop(key, None))
        parsed = await asyncio.shield(task)
        try:
            self._maps[key] = parsed
        except ValueError:
            pass  # larger than the whole cache: used for this event only
        return parsed

    async def _load(self, found: _Found) -> ParsedMap | _Corrupt:
        map_bytes = await queries.source_blob(self._pool, sha256=found.map_sha)
        minified = None
        if found.minified_sha is not None:
            minified = await queries.source_blob(self._pool, sha256=found.minified_sha)
        if map_bytes is None:  # collected meanwhile
            return _Corrupt()
        try:
            return await asyncio.to_thread(parse, bytes(map_bytes), minified and bytes(minified))
        except CorruptMap as exc:
            log.info("corrupt source map %s: %s", found.map_sha.hex(), exc)
            return _Corrupt()


def _sha(row: asyncpg.Record) -> bytes:
    return bytes(row["sha256"])
