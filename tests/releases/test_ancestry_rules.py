"""The fix/deploy rules (docs/releases.md) as a table: the pure `judge`, and the same table run
through PostgreSQL's `railguard_contains` and `railguard_is_regression` on registered deploys
and editor-supplied ancestors, so the writer's SQL and the Python rule cannot drift apart."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from railguard.server.ancestry import Judgement, fix_state, judge
from railguard.server.db import queries
from support import Api

OLD = "0" * 39 + "1"  # deployed when the incident was resolved
PRE = "0" * 39 + "2"  # an ancestor of the fix the editor sent
FIX = "f" * 40  # the commit resolved at
NEXT = "a" * 39 + "1"  # a deploy after FIX, registered with FIX among its commits
LATER = "a" * 39 + "2"  # a deploy after NEXT (contains FIX through its chain)
STRANGER = "c" * 40  # a commit nobody registered
# (name, event commit, contains, reopen, ancestry known)
ROWS: list[tuple[str, str | None, bool | None, bool, bool]] = [
    ("fix-contained", NEXT, True, True, True),
    ("fix-contained-through-chain", LATER, True, True, True),
    ("the-fix-itself", FIX, True, True, True),
    ("not-contained", PRE, False, False, True),
    ("same-deploy-as-at-resolve", OLD, False, False, True),
    ("release-unknown", STRANGER, None, False, False),
    ("commit-unknown", None, None, False, False),
]


@pytest.mark.parametrize(
    ("event", "contains", "reopen", "known"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_judge(event: str | None, contains: bool | None, reopen: bool, known: bool) -> None:
    got = judge(fix=FIX, deploy_at_resolve=OLD, event_commit=event, contains=contains)
    assert got == Judgement(reopen=reopen, ancestry_known=known)


@pytest.mark.parametrize(
    ("at_resolve", "event", "reopen"),
    [(OLD, OLD, False), (OLD, NEXT, True), (None, OLD, True), (OLD, None, True)],
)
def test_resolved_without_a_commit_any_other_deploy_reopens(
    at_resolve: str | None, event: str | None, reopen: bool
) -> None:
    got = judge(fix=None, deploy_at_resolve=at_resolve, event_commit=event, contains=None)
    assert got.reopen is reopen


def test_fix_state() -> None:
    assert fix_state(status="open", fix=FIX, deployed_in=None, ancestry_unknown=False) is None
    assert fix_state(status="resolved", fix=None, deployed_in=None, ancestry_unknown=False) is None
    waiting = fix_state(status="resolved", fix=FIX, deployed_in=None, ancestry_unknown=True)
    assert waiting is not None
    assert (waiting.state, waiting.ancestry_known) == ("awaiting_deploy", False)
    shipped = fix_state(status="resolved", fix=FIX, deployed_in=NEXT, ancestry_unknown=False)
    assert shipped is not None and (shipped.state, shipped.deployed_in) == ("deployed", NEXT)


async def _release(api: Api, owner: Any, pid: int, **body: Any) -> dict[str, Any]:
    resp = await api.client.post(
        f"/api/v1/projects/{pid}/releases", json=body, headers=owner.headers
    )
    assert resp.status == 201, await resp.text()
    out: dict[str, Any] = await resp.json()
    return out


async def test_the_table_in_postgresql(api: Api, database_url: str) -> None:
    owner = await api.account()
    pid = int((await api.project(owner))["id"])
    other = int((await api.project(owner))["id"])
    await _release(api, owner, pid, commit=OLD)
    await _release(api, owner, pid, commit=NEXT, previous=OLD, commits=[PRE, FIX])
    await _release(api, owner, pid, commit=LATER, previous=NEXT)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await queries.add_known_ancestors(
                conn, project_id=pid, commit_sha=FIX, ancestors=[PRE, OLD]
            )
            for name, event, contains, reopen, _known in ROWS:
                if event not in (FIX, OLD):  # these two the rule decides without ancestry
                    got = await queries.commit_contains(
                        conn, project_id=pid, deployed=event, fix=FIX
                    )
                    assert got is contains, name
                sql_reopen = await queries.is_regression(
                    conn, project_id=pid, fix=FIX, deploy_at_resolve=OLD, event_commit=event
                )
                assert sql_reopen is reopen, name
            # Another project's deploys say nothing about this one's commits.
            assert await queries.commit_contains(conn, project_id=other, deployed=NEXT,
                                                 fix=FIX) is None  # fmt: skip
            for at_resolve, event, reopen in [(OLD, OLD, False), (OLD, NEXT, True),
                                              (None, OLD, True), (OLD, None, True)]:  # fmt: skip
                got = await queries.is_regression(
                    conn, project_id=pid, fix=None, deploy_at_resolve=at_resolve,
                    event_commit=event,
                )  # fmt: skip
                assert got is reopen
    finally:
        await pool.close()
