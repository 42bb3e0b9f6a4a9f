"""Releases and deploys: map a release name to a commit, register the deploy of that commit with
the first-parent commits it brought since the previous deploy, and mark the resolved incidents
whose fix it ships (docs/releases.md)."""

from __future__ import annotations

import asyncpg

from railguard.server.db import fetch_all, queries
from railguard.server.errors import Invalid
from railguard.wire import models as w


async def create_release(
    pool: asyncpg.Pool, *, project_id: int, body: w.ReleaseCreateRequest
) -> w.Release:
    commit = body.commit.lower()
    previous = body.previous.lower() if body.previous else None
    if previous == commit:
        raise Invalid("previous must be another commit than the release's.")
    commits = sorted({c.lower() for c in body.commits} | {commit})
    async with pool.acquire() as conn, conn.transaction():
        row = await queries.create_release(
            conn, project_id=project_id, version=body.version or commit, commit_sha=commit
        )
        await queries.register_deploy(
            conn, project_id=project_id, commit_sha=commit, previous_sha=previous
        )
        await queries.clear_deploy_commits(conn, project_id=project_id, deploy_sha=commit)
        await queries.add_deploy_commits(
            conn, project_id=project_id, deploy_sha=commit, commits=commits
        )
        await queries.lock_change_feed(conn)
        shipped = await fetch_all(
            queries.mark_fixes_deployed(conn, project_id=project_id, deploy_sha=commit)
        )
        if shipped:
            seq = max(r["change_seq"] for r in shipped)
            await queries.notify_changes(conn, seq=str(seq))
    return w.Release.model_validate(
        {**dict(row), "previous": previous, "commits": len(commits),
         "fixes_deployed": sorted(r["id"] for r in shipped)}
    )  # fmt: skip
