"""Release health end to end: the real `sentry_sdk`'s sessions (application mode: `session`
items; request mode: aggregated `sessions` items) counted per release, with crash-free rates."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from e2e import Ctx, envelope, new_project
from sdkrun import dsn, run

from support import Api

APP = textwrap.dedent(
    """\
    import sys

    import sentry_sdk
    from sentry_sdk.utils import event_from_exception

    sentry_sdk.init(dsn=sys.argv[1], release="shop@1.0", environment="production")

    # A clean session, one with a handled error, one crashing (unhandled), for two users.
    sentry_sdk.set_user({"id": "u1"})
    sentry_sdk.start_session()
    sentry_sdk.end_session()
    sentry_sdk.start_session()
    try:
        {}["missing"]
    except KeyError:
        sentry_sdk.capture_exception()
    sentry_sdk.end_session()
    sentry_sdk.set_user({"id": "u2"})
    sentry_sdk.start_session()
    try:
        1 / 0
    except ZeroDivisionError:
        event, hint = event_from_exception(
            sys.exc_info(), mechanism={"type": "test", "handled": False})
        sentry_sdk.capture_event(event, hint=hint)
    sentry_sdk.end_session()

    # Two requests of a server: the SDK aggregates them into a `sessions` item.
    sentry_sdk.set_user(None)
    for _ in range(2):
        sentry_sdk.start_session(session_mode="request")
        sentry_sdk.end_session()
    sentry_sdk.flush(timeout=10)
    """
)


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


async def health(ctx: Ctx, status: int = 200, path: str = "", **query: str) -> Any:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/release-health{path}", params=query, headers=ctx.headers
    )
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_sentry_sdk_sessions_give_crash_free_rates_per_release(
    ctx: Ctx, api: Api, tmp_path: Path
) -> None:
    await run(APP, tmp_path, dsn(ctx))

    (release,) = await health(ctx)
    assert release["release"] == "shop@1.0" and release["environment"] == "production"
    assert (release["started"], release["exited"], release["errored"], release["crashed"]) == (
        5, 3, 1, 1,
    )  # fmt: skip
    assert release["abnormal"] == 0
    assert release["crash_free_sessions"] == pytest.approx(0.8)
    assert (release["users"], release["crashed_users"]) == (2, 1)
    assert release["crash_free_users"] == pytest.approx(0.5)

    hours = await health(ctx, path="/hours", release="shop@1.0")
    assert sum(h["started"] for h in hours) == 5
    assert await health(ctx, path="/hours", release="other") == []
    await health(ctx, 422, path="/hours")

    stranger = await api.account()
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/release-health", headers=stranger.headers
    )
    assert resp.status == 404


async def test_session_updates_count_a_start_once_and_an_outcome_once(ctx: Ctx) -> None:
    attrs = {"release": "web@2", "environment": "staging"}
    start = {"sid": "a" * 32, "init": True, "started": "2026-12-02T10:00:00Z", "status": "ok",
             "attrs": attrs}  # fmt: skip
    # A browser SDK: the start, an update carrying an error, then the end.
    for update in (start, {**start, "init": False, "errors": 1},
                   {**start, "init": False, "errors": 1, "status": "exited"},
                   {**start, "sid": "b" * 32, "status": "abnormal"}):  # fmt: skip
        resp = await ctx.send(envelope(("session", update)))
        assert resp.status == 200, await resp.text()
    (release,) = await health(ctx, days="90")
    assert (release["started"], release["errored"], release["abnormal"], release["exited"]) == (
        2, 1, 1, 0,
    )  # fmt: skip
    # A session without a release is not counted (SDKs do not send those either).
    resp = await ctx.send(envelope(("session", {**start, "attrs": {}})))
    assert resp.status == 200
    assert len(await health(ctx, days="90")) == 1
