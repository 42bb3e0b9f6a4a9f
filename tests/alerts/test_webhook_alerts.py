"""Webhook alerts against a real HTTP receiver on loopback that checks every signature."""

from __future__ import annotations

from typing import Any

from e2e import Ctx, event_envelope, new_project, sentry_event, wait_for

from alertkit import WAIT, WebhookReceiver, verify_signature
from support import Api

SECRET = "s3cret-for-the-receiver-0123456789"


async def _channel(ctx: Ctx, **body: Any) -> dict[str, Any]:
    resp = await ctx.client.post(
        f"/api/v1/projects/{ctx.pid}/alerts/channels", json=body, headers=ctx.headers
    )
    assert resp.status == 201, await resp.text()
    out: dict[str, Any] = await resp.json()
    return out


async def _only_webhooks(ctx: Ctx, *channel_ids: int) -> None:
    """Point the default rules at the given channels only (members' email stays out of it)."""
    resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/alerts/rules", headers=ctx.headers)
    for rule in await resp.json():
        body = {k: rule[k] for k in ("name", "kind", "environments", "levels", "throttle_minutes")}
        resp = await ctx.client.put(
            f"/api/v1/projects/{ctx.pid}/alerts/rules/{rule['id']}",
            json={**body, "channel_ids": list(channel_ids)}, headers=ctx.headers,
        )  # fmt: skip
        assert resp.status == 200, await resp.text()


async def test_a_signed_generic_webhook_carries_the_incident(api: Api) -> None:
    async with WebhookReceiver(SECRET) as receiver:
        ctx = await new_project(api)
        channel = await _channel(ctx, name="ops", kind="webhook", url=receiver.url(), secret=SECRET)
        assert channel["has_secret"] is True and "secret" not in channel
        await _only_webhooks(ctx, channel["id"])
        await ctx.send(event_envelope(sentry_event()))
        (hook,) = await wait_for(lambda: _delivered(receiver, 1), what="one webhook", timeout=WAIT)
        assert hook.signed
        body = hook.body
        assert body["type"] == "alert" and body["idempotency_key"] == hook.key
        (incident,) = body["incidents"]
        assert incident["trigger"] == "new" and incident["event_count"] == 1
        assert incident["frames"][0] == "shop/billing.py:2 in load_invoice"
        assert incident["url"].endswith(f"/incidents/{incident['id']}")


async def _delivered(receiver: WebhookReceiver, n: int) -> list[Any] | None:
    hooks = receiver.delivered()
    return hooks if len(hooks) >= n else None


def test_the_signature_covers_timestamp_and_body() -> None:
    from railguard.server.alerts.channels.webhook import headers

    body = b'{"a":1}'
    signed = headers(body, "rg-a1-c1-x", SECRET, now=1_700_000_000)
    assert signed["X-Railguard-Timestamp"] == "1700000000"
    assert verify_signature(SECRET, signed, body)
    assert not verify_signature(SECRET, signed, body + b" ")
    assert not verify_signature("another secret entirely", signed, body)
    assert not verify_signature(SECRET, {**signed, "X-Railguard-Timestamp": "1700000001"}, body)


async def test_receiver_500_then_200_delivers_with_one_key(api: Api) -> None:
    async with WebhookReceiver(SECRET) as receiver:
        receiver.fail = 2
        ctx = await new_project(api)
        channel = await _channel(ctx, name="ops", kind="webhook", url=receiver.url(), secret=SECRET)
        await _only_webhooks(ctx, channel["id"])
        await ctx.send(event_envelope(sentry_event()))
        await wait_for(lambda: _delivered(receiver, 1), timeout=WAIT, what="delivery after 500s")
        assert [h.status for h in receiver.hooks] == [500, 500, 200]
        assert len({h.key for h in receiver.hooks}) == 1

        async def recorded() -> dict[str, Any] | None:
            # The receiver has the hook before the dispatcher records the delivery.
            resp = await ctx.client.get(
                f"/api/v1/projects/{ctx.pid}/alerts/deliveries", headers=ctx.headers
            )
            (log,) = (await resp.json())["items"]
            return log if log["status"] == "delivered" else None

        log = await wait_for(recorded, timeout=WAIT, what="the delivery recorded")
        assert log["attempts"] == 3
        assert log["last_error"].startswith("HTTP 500")


async def test_slack_discord_and_teams_payloads(api: Api) -> None:
    async with WebhookReceiver() as receiver:
        ctx = await new_project(api)
        ids = [
            (await _channel(ctx, name=kind, kind=kind, url=receiver.url(f"/{kind}")))["id"]
            for kind in ("slack", "discord", "teams")
        ]
        await _only_webhooks(ctx, *ids)
        await ctx.send(event_envelope(sentry_event()))
        hooks = await wait_for(lambda: _delivered(receiver, 3), what="three webhooks", timeout=WAIT)
        by_path = {h.path: h.body for h in hooks}
        slack = by_path["/slack"]
        assert slack["text"].startswith("[Railguard] New incident")
        assert slack["blocks"][0]["type"] == "header"
        assert "/incidents/" in slack["blocks"][1]["text"]["text"]
        discord = by_path["/discord"]
        assert discord["content"].startswith("[Railguard]") and len(discord["embeds"]) == 1
        assert discord["embeds"][0]["url"].endswith(f"/incidents/{discord_id(discord)}")
        assert discord["allowed_mentions"] == {"parse": []}
        teams = by_path["/teams"]
        (attachment,) = teams["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert attachment["content"]["type"] == "AdaptiveCard"


def discord_id(body: dict[str, Any]) -> str:
    return str(body["embeds"][0]["url"].rsplit("/", 1)[1])


async def test_a_4xx_is_final_and_visible_at_once(api: Api) -> None:
    async with WebhookReceiver(SECRET) as receiver:
        receiver.fail, receiver.fail_status = 5, 404
        ctx = await new_project(api)
        channel = await _channel(ctx, name="ops", kind="webhook", url=receiver.url(), secret=SECRET)
        await _only_webhooks(ctx, channel["id"])
        await ctx.send(event_envelope(sentry_event()))

        async def failed() -> dict[str, Any] | None:
            resp = await ctx.client.get(
                f"/api/v1/projects/{ctx.pid}/alerts/deliveries?status=failed", headers=ctx.headers
            )
            items = (await resp.json())["items"]
            return items[0] if items else None

        log = await wait_for(failed, timeout=WAIT, what="a failed delivery")
        assert log["attempts"] == 1 and log["last_error"].startswith("HTTP 404")
        assert [h.status for h in receiver.hooks] == [404]


async def test_a_decision_whose_rule_was_deleted_sends_nothing(api: Api, database_url: str) -> None:
    from e2e import sql

    async with WebhookReceiver(SECRET) as receiver:
        ctx = await new_project(api)
        channel = await _channel(ctx, name="ops", kind="webhook", url=receiver.url(), secret=SECRET)
        await _only_webhooks(ctx, channel["id"])
        # A decision whose rule is deleted before it is expanded (one statement, so the
        # dispatcher cannot expand in between).
        await sql(
            database_url,
            "WITH r AS (DELETE FROM alert_rules WHERE project_id = $1 AND kind = 'new' "
            "RETURNING id) INSERT INTO alert_outbox (project_id, rule_id, incident_id, trigger, "
            "dedupe_key) SELECT $1, id, NULL, 'new', 'manual' FROM r",
            ctx.pid,
        )

        async def expanded() -> bool:
            rows = await sql(
                database_url, "SELECT expanded_at FROM alert_outbox WHERE project_id = $1", ctx.pid
            )
            return bool(rows) and all(r[0] is not None for r in rows)

        await wait_for(expanded, what="the orphan decision expanded", timeout=WAIT)
        resp = await ctx.client.get(
            f"/api/v1/projects/{ctx.pid}/alerts/deliveries", headers=ctx.headers
        )
        assert (await resp.json())["items"] == [] and receiver.hooks == []
