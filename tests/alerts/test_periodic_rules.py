"""Spike and escalation rules (the periodic evaluator) and the daily digest, end to end."""

from __future__ import annotations

import re
from typing import Any

from e2e import Ctx, event_envelope, new_project, sentry_event, sql, wait_for

from alertkit import WAIT, SmtpSink
from support import Api


async def _rule(ctx: Ctx, **body: Any) -> dict[str, Any]:
    resp = await ctx.client.post(
        f"/api/v1/projects/{ctx.pid}/alerts/rules", json=body, headers=ctx.headers
    )
    assert resp.status == 201, await resp.text()
    out: dict[str, Any] = await resp.json()
    return out


async def _mail_with(smtp: SmtpSink, word: str) -> list[Any] | None:
    found = [m for m in smtp.snapshot() if word in str(m.message["Subject"])]
    return found or None


async def test_a_spike_over_the_threshold_alerts_once(
    api: Api, smtp: SmtpSink, database_url: str
) -> None:
    ctx = await new_project(api)
    await _rule(ctx, name="spike", kind="spike", threshold=4, window_minutes=5)
    for _ in range(3):
        await ctx.send(event_envelope(sentry_event()))
    rows = await sql(database_url, "SELECT count(*) FROM alert_outbox WHERE trigger = 'spike'")
    for _ in range(3):
        await ctx.send(event_envelope(sentry_event()))
    (mail,) = await wait_for(lambda: _mail_with(smtp, "Spike"), timeout=WAIT, what="spike mail")
    counted = re.search(r"(\d+) events in 5 min \(usual 0.0\)", mail.part("plain"))
    assert counted is not None and 4 < int(counted[1]) <= 6
    for _ in range(3):
        await ctx.send(event_envelope(sentry_event()))
    await wait_for(
        lambda: _evaluated_twice(database_url), what="two more evaluations", timeout=WAIT
    )
    rows = await sql(database_url, "SELECT count(*) FROM alert_outbox WHERE trigger = 'spike'")
    assert rows[0][0] == 1  # throttled: one per incident per rule per hour


async def _evaluated_twice(database_url: str) -> bool:
    (row,) = await sql(database_url, "SELECT last_run_at FROM alert_jobs WHERE name='evaluate'")
    first = row[0]
    if first is None:
        return False

    async def later() -> bool:
        (again,) = await sql(
            database_url, "SELECT last_run_at FROM alert_jobs WHERE name='evaluate'"
        )
        return bool(again[0] > first)

    await wait_for(later, what="an evaluation", timeout=WAIT)
    return True


async def test_escalation_after_n_hours_open(api: Api, smtp: SmtpSink, database_url: str) -> None:
    ctx = await new_project(api)
    await _rule(ctx, name="stuck", kind="escalation", after_hours=0.0005, levels=["error"])
    await ctx.send(event_envelope(sentry_event()))
    (mail,) = await wait_for(
        lambda: _mail_with(smtp, "Still open"), timeout=WAIT, what="escalation mail"
    )
    assert "open for" in mail.part("plain")


async def test_digest_readers_get_one_digest_instead(
    api: Api, smtp: SmtpSink, database_url: str
) -> None:
    ctx = await new_project(api)
    resp = await ctx.client.put(
        f"/api/v1/projects/{ctx.pid}/alerts/preferences", json={"digest": True},
        headers=ctx.headers,
    )  # fmt: skip
    assert resp.status == 200
    for n in range(3):
        await ctx.send(event_envelope(sentry_event(f"Digest{n}Error")))
    # Held until the digest is due (a day by default): nothing mailed meanwhile.
    rows = await wait_for(
        lambda: _held(database_url, 3), what="three alerts held for the digest", timeout=WAIT
    )
    assert len(rows) == 3 and smtp.snapshot() == []
    await sql(
        database_url, "UPDATE alert_preferences SET last_digest_at = now() - interval '2 days'"
    )
    (mail,) = await wait_for(lambda: _mail_with(smtp, "digest"), timeout=WAIT, what="the digest")
    assert mail.message["Subject"] == "[Railguard] Daily digest for app: 3 incidents"
    assert all(f"Digest{n}Error" in mail.part("plain") for n in range(3))
    # The mail is accepted before the dispatcher records it: wait for the record too.
    expected = [("alert", "digested")] * 3 + [("digest", "delivered")]

    async def recorded() -> bool:
        rows = await sql(database_url, "SELECT kind, status FROM alert_deliveries ORDER BY id")
        return [tuple(r) for r in rows] == expected

    await wait_for(recorded, timeout=WAIT, what="the digest recorded as delivered")


async def _held(database_url: str, n: int) -> list[Any] | None:
    rows = await sql(database_url, "SELECT id FROM alert_deliveries WHERE status = 'held'")
    return rows if len(rows) >= n else None
