"""Cron monitors end to end: the real `sentry_sdk.crons` (`capture_checkin`, `@monitor`) creating
monitors from their config, check-ins stored and updated, a failed run opening an incident; the
API's views of them, and other tenants' ids as 404s."""

from __future__ import annotations

import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from e2e import Ctx, envelope, new_project
from sdkrun import dsn, run

from support import Api

APP = textwrap.dedent(
    """\
    import sys

    import sentry_sdk
    from sentry_sdk.crons import capture_checkin, monitor
    from sentry_sdk.crons.consts import MonitorStatus

    sentry_sdk.init(dsn=sys.argv[1], environment="production", release="jobs@3")
    nightly = {"schedule": {"type": "crontab", "value": "0 3 * * *"},
               "timezone": "Europe/Vienna", "checkin_margin": 5, "max_runtime": 20}
    cid = capture_checkin(monitor_slug="nightly-report", status=MonitorStatus.IN_PROGRESS,
                          monitor_config=nightly)
    capture_checkin(monitor_slug="nightly-report", check_in_id=cid, status=MonitorStatus.OK,
                    duration=1.5)

    @monitor(monitor_slug="billing-sync",
             monitor_config={"schedule": {"type": "interval", "value": 10, "unit": "minute"}})
    def sync():
        raise RuntimeError("upstream down")

    try:
        sync()
    except RuntimeError:
        pass
    sentry_sdk.flush(timeout=10)
    """
)


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


async def get(ctx: Ctx, path: str, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    resp = await ctx.client.get(path, headers=headers or ctx.headers)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_sentry_sdk_check_ins_create_monitors_and_a_failed_run_opens_an_incident(
    ctx: Ctx, api: Api, tmp_path: Path
) -> None:
    before = datetime.now(UTC)
    await run(APP, tmp_path, dsn(ctx))

    monitors = {m["slug"]: m for m in await get(ctx, f"/api/v1/projects/{ctx.pid}/cron-monitors")}
    assert set(monitors) == {"nightly-report", "billing-sync"}
    nightly = monitors["nightly-report"]
    assert nightly["schedule_type"] == "crontab" and nightly["schedule"] == "0 3 * * *"
    assert nightly["timezone"] == "Europe/Vienna" and nightly["checkin_margin"] == 5
    assert nightly["max_runtime"] == 20 and nightly["status"] == "ok"
    expected = datetime.fromisoformat(nightly["expected_at"])
    local = expected.astimezone(ZoneInfo("Europe/Vienna"))
    assert (local.hour, local.minute) == (3, 0) and expected > before
    assert (datetime.fromisoformat(nightly["deadline_at"]) - expected).total_seconds() == 300

    (checkin,) = await get(ctx, f"/api/v1/cron-monitors/{nightly['id']}/checkins")
    assert checkin["status"] == "ok" and checkin["duration_ms"] == pytest.approx(1500)
    assert checkin["environment"] == "production" and checkin["release"] == "jobs@3"

    billing = monitors["billing-sync"]
    assert billing["status"] == "error" and billing["schedule"] == "10 minute"
    (failed,) = await get(ctx, f"/api/v1/cron-monitors/{billing['id']}/checkins")
    assert failed["status"] == "error"
    (incident,) = await ctx.incidents()
    assert incident["error_type"] == "FailedCheckIn"
    assert "billing-sync" in incident["message"]

    stranger = await api.account()
    for path in (f"/api/v1/projects/{ctx.pid}/cron-monitors",
                 f"/api/v1/cron-monitors/{billing['id']}",
                 f"/api/v1/cron-monitors/{billing['id']}/checkins",
                 "/api/v1/cron-monitors/99999999"):  # fmt: skip
        await get(ctx, path, 404, stranger.headers)


def checkin(slug: str, **fields: Any) -> dict[str, Any]:
    return {"check_in_id": uuid.uuid4().hex, "monitor_slug": slug, "status": "ok", **fields}


async def test_unknown_monitors_and_bad_configs_are_counted_not_stored(ctx: Ctx) -> None:
    bad_config = {"schedule": {"type": "crontab", "value": "every tuesday"}}
    resp = await ctx.send(
        envelope(
            ("check_in", checkin("never-configured")),
            ("check_in", checkin("bad", monitor_config=bad_config)),
            ("check_in", checkin("fine", monitor_config={
                "schedule": {"type": "interval", "value": 1, "unit": "day"}})),
        )
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    monitors = await get(ctx, f"/api/v1/projects/{ctx.pid}/cron-monitors")
    assert [m["slug"] for m in monitors] == ["fine"]
    discarded = await get(ctx, f"/api/v1/projects/{ctx.pid}/discarded")
    assert {(d["category"], d["reason"], d["quantity"]) for d in discarded} == {
        ("check_in", "unknown_monitor", 1),
        ("check_in", "invalid", 1),
    }
