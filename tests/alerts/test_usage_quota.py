"""Usage per organisation and month, counted by the ingest writer, and the optional monthly event
quota: refused with 429 and Sentry's rate-limit header once used, announced by mail to owners
and admins at 80 % and 100 % (once each) and on the projects' webhook channels, shown on the
organisation's page."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from e2e import event_envelope, event_id, new_project, sentry_event

from alertkit import SmtpSink, WebhookReceiver, alert_settings
from railguard.server.settings import Settings
from support import Api

SECRET = "s3cret-for-the-usage-receiver-0123456789"


@pytest.fixture
def settings(database_url: str, smtp: SmtpSink) -> Settings:
    return alert_settings(database_url, smtp, quota_check_seconds=0.2)


def _envelope() -> bytes:
    return event_envelope(sentry_event(event_id=event_id()))


async def _usage(ctx: Any, org_id: int) -> dict[str, Any]:
    resp = await ctx.client.get(f"/api/v1/organizations/{org_id}/usage", headers=ctx.headers)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_stored_events_are_counted_per_organisation_and_month(api: Api) -> None:
    ctx = await new_project(api)
    org_id = ctx.project["organization_id"]
    second = await api.project(ctx.owner)  # same personal organisation
    assert second["organization_id"] == org_id
    body = event_envelope(sentry_event(event_id=event_id()))
    for _ in range(2):  # a re-sent event is stored once and counted once
        assert (await ctx.send(body)).status == 200
    assert (await ctx.send(_envelope())).status == 200
    other_key = second["ingest_key"]["public_key"]
    assert (await ctx.send(_envelope(), key=other_key, pid=second["id"])).status == 200
    usage = await _usage(ctx, org_id)
    month = datetime.now(UTC).strftime("%Y-%m-01")
    assert usage == {
        "event_quota": None,
        "months": [{"month": month, "events": 3, "spans": 0, "logs": 0, "monitors": 0}],
    }
    other = await new_project(api)
    assert (await _usage(other, other.project["organization_id"]))["months"] == []


async def test_a_quota_refuses_events_once_used_and_is_announced_once(
    api: Api, smtp: SmtpSink
) -> None:
    async with WebhookReceiver(SECRET) as receiver:
        await _quota_journey(api, smtp, receiver)


async def _quota_journey(api: Api, smtp: SmtpSink, receiver: WebhookReceiver) -> None:
    ctx = await new_project(api)
    hook = {"name": "ops", "kind": "webhook", "url": receiver.url(), "secret": SECRET}
    resp = await ctx.client.post(
        f"/api/v1/projects/{ctx.pid}/alerts/channels", json=hook, headers=ctx.headers
    )
    assert resp.status == 201, await resp.text()
    org_id = ctx.project["organization_id"]
    viewer = await api.account()
    await api.join(ctx.owner, viewer, organization_id=org_id, role="viewer",
                   mailed_link=smtp.take_invitation)  # fmt: skip
    quota = f"/api/v1/organizations/{org_id}/quota"
    resp = await ctx.client.put(quota, json={"event_quota": 5}, headers=viewer.headers)
    assert resp.status == 403
    resp = await ctx.client.put(quota, json={"event_quota": 0}, headers=ctx.headers)
    assert resp.status == 422
    resp = await ctx.client.put(quota, json={"event_quota": 5}, headers=ctx.headers)
    assert resp.status == 200 and (await resp.json())["event_quota"] == 5

    for n in range(4):
        assert (await ctx.send(_envelope())).status == 200, n
    await asyncio.sleep(0.3)  # the gate reads the state again: 80 % reached
    assert (await ctx.send(_envelope())).status == 200
    refused = await ctx.send(_envelope())
    assert refused.status == 429
    retry = int(refused.headers["Retry-After"])
    assert 0 < retry <= 31 * 86400
    assert refused.headers["X-Sentry-Rate-Limits"] == (
        f"{retry}:error;default;security:organization:usage_exceeded"
    )
    await asyncio.sleep(0.3)
    assert (await ctx.send(_envelope())).status == 429, "100 % read from the database"
    await asyncio.sleep(0.3)
    assert (await ctx.send(_envelope())).status == 429
    usage = await _usage(ctx, org_id)
    assert usage["months"][0]["events"] == 5, "nothing refused was stored"

    def quota_mails() -> list[str]:
        subjects = [" ".join(str(m.message["Subject"]).split()) for m in smtp.snapshot()]
        return [s for s in subjects if "quota" in s]

    async def notices() -> list[str]:
        for _ in range(100):
            if len(quota_mails()) >= 2:
                break
            await asyncio.sleep(0.05)
        return quota_mails()

    subjects = await notices()
    assert sorted(subjects) == sorted([
        f"[Railguard] {ctx.owner.email} used 80% of its monthly event quota",
        f"[Railguard] {ctx.owner.email} used its monthly event quota",
    ]), "each threshold once, to owners and admins only"  # fmt: skip

    def usage_hooks_now() -> list[Any]:
        return [h for h in receiver.delivered() if h.body.get("type") == "usage"]

    for _ in range(100):
        if len(usage_hooks_now()) >= 2:
            break
        await asyncio.sleep(0.05)
    usage_hooks = usage_hooks_now()
    assert sorted((h.body["percent"], h.body["used"], h.body["quota"], h.signed)
                  for h in usage_hooks) == [(80, 4, 5, True), (100, 5, 5, True)]  # fmt: skip
    resp = await ctx.client.get(f"/api/v1/organizations/{org_id}/audit", headers=ctx.headers)
    reached = [e["detail"]["percent"] for e in await resp.json() if e["action"] == "quota.reached"]
    assert sorted(reached) == [80, 100]

    resp = await ctx.client.put(quota, json={"event_quota": None}, headers=ctx.headers)
    assert resp.status == 200
    assert (await ctx.send(_envelope())).status == 200, "unlimited again at once"
