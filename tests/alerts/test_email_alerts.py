"""Email alerts end to end: an event through the real HTTP ingest, the decision in the writer's
transaction, the dispatcher, and a real SMTP server on loopback that accepts the mail."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from e2e import Ctx, event_envelope, new_project, sentry_event, sql, wait_for

from alertkit import WAIT, SmtpSink, alert_settings
from railguard.server import db
from railguard.server.alerts.dispatcher import Dispatcher
from railguard.server.app import create_app
from support import Api, free_port

SHA_A, SHA_B = "a" * 40, "b" * 40


async def _mails(smtp: SmtpSink, n: int, timeout: float = WAIT) -> list[Any]:
    async def probe() -> list[Any] | None:
        mails = smtp.snapshot()
        return mails if len(mails) >= n else None

    return await wait_for(probe, timeout=timeout, what=f"{n} mails")


async def deliveries(ctx: Ctx, **query: str) -> list[dict[str, Any]]:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/alerts/deliveries", params=query, headers=ctx.headers
    )
    assert resp.status == 200, await resp.text()
    items: list[dict[str, Any]] = (await resp.json())["items"]
    return items


async def test_a_new_incident_mails_every_member_once_with_frames_and_links(
    api: Api, smtp: SmtpSink
) -> None:
    ctx = await new_project(api)
    other = await api.account()
    await api.join(ctx.owner, other, project_id=ctx.pid, mailed_link=smtp.take_invitation)
    await ctx.send(event_envelope(sentry_event(environment="production")))
    mails = await _mails(smtp, 2)
    assert sorted(r for m in mails for r in m.recipients) == sorted([ctx.owner.email, other.email])
    (incident,) = await ctx.incidents()
    mail = mails[0]
    assert mail.message["Subject"].startswith("[Railguard] New incident in app: KeyError")
    text, html = mail.part("plain"), mail.part("html")
    assert "at shop/billing.py:2 in load_invoice" in text
    assert f"http://127.0.0.1:8000/incidents/{incident['id']}" in text
    assert "Open in editor: vscode://" in text and "1 events" in text
    assert "<code>shop/billing.py:2 in load_invoice</code>" in html
    assert mail.message_id == f"<{mail.key}@127.0.0.1>"
    # More events of the same incident are not new: no more mail.
    await ctx.send(event_envelope(sentry_event(environment="production")))
    log = await wait_for(
        lambda: _all_delivered(ctx, 2), what="two deliveries logged as delivered", timeout=WAIT
    )
    assert {d["recipient"] for d in log} == {ctx.owner.email, other.email}
    assert all(d["incident_ids"] == [incident["id"]] and d["triggers"] == ["new"] for d in log)
    assert len({d["idempotency_key"] for d in log}) == 2
    assert len(smtp.snapshot()) == 2


async def _all_delivered(ctx: Ctx, n: int) -> list[dict[str, Any]] | None:
    log = await deliveries(ctx)
    return log if len(log) == n and all(d["status"] == "delivered" for d in log) else None


async def test_a_regression_alerts_again_and_a_same_deploy_event_does_not(
    api: Api, smtp: SmtpSink
) -> None:
    ctx = await new_project(api)
    await ctx.send(event_envelope(sentry_event(release=SHA_A)))
    await _mails(smtp, 1)
    (incident,) = await ctx.incidents()
    await ctx.act(incident["id"], "resolve")
    await ctx.send(event_envelope(sentry_event(release=SHA_A)))  # same deploy: no regression
    await ctx.send(event_envelope(sentry_event(release=SHA_B)))  # later deploy: regression
    mails = await _mails(smtp, 2)
    assert mails[1].message["Subject"].startswith("[Railguard] Regression in app")
    await wait_for(lambda: _all_delivered(ctx, 2), what="both delivered", timeout=WAIT)
    assert len(smtp.snapshot()) == 2


async def test_filters_decide_in_the_ingest_transaction(api: Api, database_url: str) -> None:
    ctx = await new_project(api)
    # The default rules want production; staging decides nothing, and the 2xx means the
    # decision is already committed (same transaction), so this needs no waiting.
    await ctx.send(event_envelope(sentry_event(environment="staging")))
    rows = await sql(database_url, "SELECT count(*) FROM alert_outbox WHERE project_id=$1", ctx.pid)
    assert rows[0][0] == 0
    resp = await ctx.client.post(
        f"/api/v1/projects/{ctx.pid}/alerts/rules",
        json={"name": "billing errors anywhere", "kind": "new", "levels": ["error"],
              "path_prefix": "shop/billing"},
        headers=ctx.headers,
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    rule = await resp.json()
    await ctx.send(
        event_envelope(sentry_event("ValueError", filename="shop/cart.py", environment="staging"))
    )
    await ctx.send(event_envelope(sentry_event("TypeError", environment="staging")))
    rows = await sql(
        database_url, "SELECT rule_id, trigger FROM alert_outbox WHERE project_id=$1", ctx.pid
    )
    assert [(r["rule_id"], r["trigger"]) for r in rows] == [(rule["id"], "new")]


async def test_a_burst_of_new_incidents_becomes_one_summary(
    database_url: str, smtp: SmtpSink
) -> None:
    # The burst is ingested while no dispatcher runs, then one starts: what it finds decided
    # for one recipient is one summary, however fast or slow the machine is.
    quiet = alert_settings(database_url, smtp, alerts_enabled=False)
    server = TestServer(create_app(quiet), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        ctx = await new_project(Api(client))
        sent = await asyncio.gather(
            *(ctx.send(event_envelope(sentry_event(f"Burst{n}Error"))) for n in range(40))
        )
        assert {r.status for r in sent} == {200}
        pool = await db.create_pool(database_url, min_size=1, max_size=2)
        dispatcher = Dispatcher(pool, alert_settings(database_url, smtp))
        dispatcher.start()
        try:
            mails = await _mails(smtp, 1)
            await wait_for(lambda: _all_delivered(ctx, 1), what="the summary", timeout=WAIT)
        finally:
            await dispatcher.stop()
            await pool.close()
        (log,) = await deliveries(ctx)
    assert log["kind"] == "summary" and len(log["incident_ids"]) == 40
    assert len(smtp.snapshot()) == 1
    (mail,) = mails
    assert mail.message["Subject"] == "[Railguard] 40 incidents in app"
    assert "... and 20 more" in mail.part("plain")


async def test_smtp_refusing_then_recovering_delivers_once(api: Api, smtp: SmtpSink) -> None:
    smtp.refuse = 3
    ctx = await new_project(api)
    await ctx.send(event_envelope(sentry_event()))
    (log,) = await wait_for(lambda: _all_delivered(ctx, 1), timeout=WAIT, what="delivered")
    assert smtp.refused == 3
    assert log["attempts"] == 4 and log["last_error"].startswith("SMTP")
    assert len(smtp.snapshot()) == 1


async def test_quiet_and_opted_out_members_get_nothing(
    api: Api, smtp: SmtpSink, database_url: str
) -> None:
    ctx = await new_project(api)
    quiet = await api.account()
    for acct in (quiet,):
        await api.join(ctx.owner, acct, project_id=ctx.pid, mailed_link=smtp.take_invitation)
    resp = await ctx.client.put(
        f"/api/v1/projects/{ctx.pid}/alerts/preferences", json={"quiet": True},
        headers=quiet.headers,
    )  # fmt: skip
    assert resp.status == 200 and (await resp.json())["quiet"] is True
    resp = await ctx.client.put(
        f"/api/v1/projects/{ctx.pid}/alerts/preferences", json={"rule_kinds": ["regressed"]},
        headers=ctx.headers,
    )  # fmt: skip
    assert resp.status == 200
    await ctx.send(event_envelope(sentry_event()))
    await wait_for(
        lambda: _expanded(database_url, ctx.pid),
        what="the decision expanded into deliveries",
        timeout=WAIT,
    )
    assert await deliveries(ctx) == []
    assert smtp.snapshot() == []


async def _expanded(database_url: str, project_id: int) -> bool:
    rows = await sql(
        database_url,
        "SELECT count(*) FILTER (WHERE expanded_at IS NULL), count(*) FROM alert_outbox "
        "WHERE project_id = $1",
        project_id,
    )
    return bool(rows[0][1]) and rows[0][0] == 0
