"""Uptime events reach people through the alert channels: a monitor checked by the built-in
agent against a real HTTP target goes down and recovers, and the real SMTP server and the
signature-checking webhook receiver each get one message per event, retried with one key."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from e2e import Ctx, new_project, wait_for

from alertkit import WAIT, Mail, SmtpSink, WebhookReceiver
from support import Api
from uptimekit import HttpTarget

SECRET = "uptime-secret-for-the-receiver-0123"


async def _post(ctx: Ctx, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await ctx.client.post(path, json=body, headers=ctx.headers)
    assert resp.status == 201, await resp.text()
    out: dict[str, Any] = await resp.json()
    return out


async def _webhook(ctx: Ctx, receiver: WebhookReceiver) -> None:
    body = {"name": "ops", "kind": "webhook", "url": receiver.url(), "secret": SECRET}
    await _post(ctx, f"/api/v1/projects/{ctx.pid}/alerts/channels", body)


async def _monitor(ctx: Ctx, target: HttpTarget) -> dict[str, Any]:
    return await _post(ctx, f"/api/v1/projects/{ctx.pid}/monitors", {
        "name": "shop health", "check": {"kind": "http", "url": target.url},
        "interval_seconds": 1, "timeout_seconds": 1, "retries": 1,
    })  # fmt: skip


def _mails(smtp: SmtpSink, words: str) -> list[Mail]:
    return [m for m in smtp.snapshot() if words in str(m.message["Subject"])]


def _hooks(receiver: WebhookReceiver, trigger: str) -> list[Any]:
    return [h for h in receiver.delivered() if h.body["monitors"][0]["trigger"] == trigger]


async def _deliveries(ctx: Ctx, n: int) -> list[Any] | None:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/alerts/deliveries", headers=ctx.headers
    )
    items = [d for d in (await resp.json())["items"] if d["status"] == "delivered"]
    return items if len(items) >= n else None


async def test_down_and_recovery_by_email_and_webhook_once_each(
    api: Api, smtp: SmtpSink, database_url: str
) -> None:
    target = await HttpTarget(mode="error").start()
    async with WebhookReceiver(SECRET) as receiver:
        ctx = await new_project(api)
        await _webhook(ctx, receiver)
        smtp.refuse = 1  # the first down mail is refused once, then retried
        receiver.fail = 1  # the first down hook gets a 500, then is retried
        monitor = await _monitor(ctx, target)

        async def down() -> Any:
            return _mails(smtp, "Monitor down") and _hooks(receiver, "monitor_down")

        await wait_for(down, what="the down alerts", timeout=WAIT)
        (mail,) = _mails(smtp, "Monitor down")
        assert mail.recipients == [ctx.owner.email] and smtp.refused == 1
        assert "shop health" in mail.part("plain")
        assert f"/monitors/{monitor['id']}" in mail.part("html")
        (hook,) = _hooks(receiver, "monitor_down")
        assert hook.signed and [h.status for h in receiver.hooks] == [500, 200]
        assert receiver.hooks[0].key == hook.key
        assert hook.body["type"] == "alert" and hook.body["incidents"] == []
        (down_event,) = hook.body["monitors"]
        assert down_event["id"] == monitor["id"] and down_event["error"]

        target.mode = "ok"

        async def recovered() -> Any:
            return _mails(smtp, "Monitor recovered") and _hooks(receiver, "monitor_recovered")

        await wait_for(recovered, what="the recovery alerts", timeout=WAIT)
        (up_hook,) = _hooks(receiver, "monitor_recovered")
        resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/outages", headers=ctx.headers)
        (outage,) = await resp.json()
        assert up_hook.body["monitors"][0]["time_to_resolve"] == outage["time_to_resolve"]
        assert up_hook.body["monitors"][0]["started_at"] == down_event["started_at"]

        # Checks keep running while up: nothing more is sent.
        await asyncio.sleep(3)
        assert len(_mails(smtp, "Monitor")) == 2 and len(receiver.delivered()) == 2
        log = await wait_for(lambda: _deliveries(ctx, 4), what="the delivery log", timeout=WAIT)
        assert sorted(d["triggers"][0] for d in log) == [
            "monitor_down", "monitor_down", "monitor_recovered", "monitor_recovered"
        ]  # fmt: skip
        assert {d["attempts"] for d in log if d["triggers"] == ["monitor_down"]} == {2}
        conn = await asyncpg.connect(database_url)
        try:
            stamped = await conn.fetch(
                "SELECT delivered_at FROM uptime_alerts WHERE monitor_id = $1", monitor["id"]
            )
        finally:
            await conn.close()
        assert len(stamped) == 2 and all(r["delivered_at"] for r in stamped)
    await target.stop()


async def test_preferences_choose_which_uptime_events_mail(api: Api, smtp: SmtpSink) -> None:
    target = await HttpTarget(mode="error").start()
    async with WebhookReceiver(SECRET) as receiver:
        ctx = await new_project(api)
        await _webhook(ctx, receiver)
        resp = await ctx.client.put(
            f"/api/v1/projects/{ctx.pid}/alerts/preferences",
            json={"rule_kinds": ["new", "monitor_recovered"]}, headers=ctx.headers,
        )  # fmt: skip
        assert resp.status == 200, await resp.text()
        await _monitor(ctx, target)
        await wait_for(lambda: _async(_hooks(receiver, "monitor_down")), what="down hook",
                       timeout=WAIT)  # fmt: skip
        target.mode = "ok"
        await wait_for(lambda: _async(_mails(smtp, "Monitor recovered")), what="recovery mail",
                       timeout=WAIT)  # fmt: skip
        await wait_for(lambda: _deliveries(ctx, 3), what="the delivery log", timeout=WAIT)
        # The webhook (the project's) heard both; the member's mail only what they chose.
        assert len(_hooks(receiver, "monitor_recovered")) == 1
        assert _mails(smtp, "Monitor down") == [] and len(smtp.snapshot()) == 1
    await target.stop()


async def test_digest_readers_get_uptime_events_in_their_digest(
    api: Api, smtp: SmtpSink, database_url: str
) -> None:
    target = await HttpTarget(mode="error").start()
    ctx = await new_project(api)
    resp = await ctx.client.put(f"/api/v1/projects/{ctx.pid}/alerts/preferences",
                                json={"digest": True}, headers=ctx.headers)  # fmt: skip
    assert resp.status == 200
    monitor = await _monitor(ctx, target)
    conn = await asyncpg.connect(database_url)
    try:

        async def held() -> Any:
            return await conn.fetch("SELECT id FROM alert_deliveries WHERE status = 'held'")

        await wait_for(held, what="the down alert held for the digest", timeout=WAIT)
        await target.stop()  # checks keep failing: no recovery joins the digest
        assert smtp.snapshot() == []
        await conn.execute(
            "UPDATE alert_preferences SET last_digest_at = now() - interval '2 days'"
        )
        (mail,) = await wait_for(lambda: _async(_mails(smtp, "Daily digest")),
                                 what="the digest", timeout=WAIT)  # fmt: skip
        assert mail.message["Subject"] == "[Railguard] Daily digest for app: 1 alert"
        assert "Monitor down: shop health" in mail.part("plain")
        assert f"/monitors/{monitor['id']}" in mail.part("html")

        async def digested() -> Any:
            return await conn.fetch(
                "SELECT 1 FROM alert_deliveries WHERE status = 'digested' AND kind = 'alert'"
            )

        await wait_for(digested, what="the held alert marked digested", timeout=WAIT)
    finally:
        await conn.close()
        await target.stop()


async def _async(value: Any) -> Any:
    return value
