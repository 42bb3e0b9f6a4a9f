"""Uploaded files in PostgreSQL: contents once per SHA-256, names per project, release and dist.

Every upload runs in one transaction; an existing blob is locked (`FOR KEY SHARE`) so that the
garbage collector cannot remove it between the check and the file row naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from railguard.server.db import fetch_all, queries
from railguard.server.sourcemaps.files import SourceFile

__all__ = ["collect_blobs", "delete_release", "list_files", "save_files"]


async def save_files(
    pool: asyncpg.Pool, *, project_id: int, release: str, dist: str, files: Sequence[SourceFile]
) -> list[dict[str, Any]]:
    """Store `files` (a re-upload of a name replaces it); the stored rows, in order."""
    rows: list[dict[str, Any]] = []
    async with pool.acquire() as conn, conn.transaction():
        for file in files:
            if not await queries.lock_blob(conn, sha256=file.sha256):
                await queries.insert_blob(
                    conn, sha256=file.sha256, size=len(file.content), content=file.content
                )
            row = await queries.upsert_source_file(
                conn, project_id=project_id, release=release, dist=dist, url=file.url,
                kind=file.kind, debug_id=file.debug_id, sourcemap_ref=file.sourcemap_ref,
                sha256=file.sha256, size=len(file.content),
            )  # fmt: skip
            rows.append(dict(row))
    return rows


async def list_files(
    pool: asyncpg.Pool, *, project_id: int, release: str | None
) -> list[dict[str, Any]]:
    rows = await fetch_all(queries.list_source_files(pool, project_id=project_id, release=release))
    return [dict(r) for r in rows]


async def collect_blobs(pool: asyncpg.Pool) -> int:
    """Delete contents no file names any more; how many."""
    count: int = await queries.collect_source_blobs(pool)
    return count


async def delete_release(pool: asyncpg.Pool, *, project_id: int, release: str) -> int:
    """Delete a release's files and the contents nothing else names; how many files."""
    count: int = await queries.delete_release_source_files(
        pool, project_id=project_id, release=release
    )
    await collect_blobs(pool)
    return count
