"""A missed cron check-in reaches people: the real `sentry_sdk.crons` checks in once on an
every-minute schedule with no margin, the server's periodic pass finds the next check-in missing,
and the incident's alert arrives by email (real SMTP server) and signed webhook (real receiver)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from e2e import Ctx, new_project, wait_for
from sdkrun import dsn, run

from alertkit import WAIT, SmtpSink, WebhookReceiver, alert_settings
from railguard.server.settings import Settings
from support import Api

SECRET = "s3cret-for-the-receiver-0123456789"
APP = textwrap.dedent(
    """\
    import sys

    import sentry_sdk
    from sentry_sdk.crons import capture_checkin
    from sentry_sdk.crons.consts import MonitorStatus

    sentry_sdk.init(dsn=sys.argv[1], environment="production")
    capture_checkin(monitor_slug="minutely-export", status=MonitorStatus.OK, monitor_config={
        "schedule": {"type": "crontab", "value": "* * * * *"}, "checkin_margin": 0})
    sentry_sdk.flush(timeout=10)
    """
)


@pytest.fixture
def settings(database_url: str, smtp: SmtpSink) -> Settings:
    return alert_settings(database_url, smtp, telemetry_maintenance_every=0.5)


@pytest.mark.timeout(300)
async def test_a_missed_check_in_is_mailed_and_posted(
    api: Api, smtp: SmtpSink, tmp_path: Path
) -> None:
    async with WebhookReceiver(SECRET) as receiver:
        ctx: Ctx = await new_project(api)
        resp = await ctx.client.post(
            f"/api/v1/projects/{ctx.pid}/alerts/channels",
            json={"name": "ops", "kind": "webhook", "url": receiver.url(), "secret": SECRET},
            headers=ctx.headers,
        )
        assert resp.status == 201, await resp.text()
        await run(APP, tmp_path, dsn(ctx))
        (monitor,) = await (
            await ctx.client.get(f"/api/v1/projects/{ctx.pid}/cron-monitors", headers=ctx.headers)
        ).json()
        assert monitor["status"] == "ok"

        # The next minute passes without a check-in (at most 60 s, then one periodic pass).
        async def mail() -> list[Any] | None:
            found = [m for m in smtp.snapshot() if "MissedCheckIn" in m.message["Subject"]]
            return found or None

        (mailed,) = await wait_for(mail, timeout=60 + WAIT, what="the missed check-in mail")
        assert mailed.recipients == [ctx.owner.email]
        assert "minutely-export" in mailed.part("plain")

        async def hook() -> list[Any] | None:
            return receiver.delivered() or None

        (posted,) = await wait_for(hook, timeout=WAIT, what="the missed check-in webhook")
        assert posted.signed
        (incident,) = posted.body["incidents"]
        assert incident["trigger"] == "new" and "minutely-export" in incident["title"]

        resp = await ctx.client.get(f"/api/v1/cron-monitors/{monitor['id']}", headers=ctx.headers)
        assert (await resp.json())["status"] == "missed"
        resp = await ctx.client.get(
            f"/api/v1/cron-monitors/{monitor['id']}/checkins", headers=ctx.headers
        )
        statuses = [c["status"] for c in await resp.json()]
        assert statuses[0] == "missed" and statuses[-1] == "ok"
        (found,) = await ctx.incidents()
        assert found["error_type"] == "MissedCheckIn"
