"""The alerting API: rules, channels, preferences and the delivery log; owners change, members
read, other tenants see nothing; bad bodies are 4xx."""

from __future__ import annotations

from typing import Any

from e2e import Ctx, new_project

from alertkit import SmtpSink
from support import Api


def _p(ctx: Ctx, tail: str) -> str:
    return f"/api/v1/projects/{ctx.pid}/alerts/{tail}"


async def test_a_new_project_has_the_default_rules_and_member_email(api: Api) -> None:
    ctx = await new_project(api)
    rules = await (await ctx.client.get(_p(ctx, "rules"), headers=ctx.headers)).json()
    assert [(r["kind"], r["environments"], r["channel_ids"]) for r in rules] == [
        ("new", ["production"], []), ("regressed", ["production"], []),
    ]  # fmt: skip
    (channel,) = await (await ctx.client.get(_p(ctx, "channels"), headers=ctx.headers)).json()
    assert channel["kind"] == "email" and channel["recipients"] == []


async def test_rules_crud_and_validation(api: Api) -> None:
    ctx = await new_project(api)
    spike = {"name": "spike", "kind": "spike", "threshold": 100, "window_minutes": 10}
    resp = await ctx.client.post(_p(ctx, "rules"), json=spike, headers=ctx.headers)
    assert resp.status == 201, await resp.text()
    rule = await resp.json()
    resp = await ctx.client.put(
        _p(ctx, f"rules/{rule['id']}"), json={**spike, "threshold": 5}, headers=ctx.headers
    )
    assert resp.status == 200 and (await resp.json())["threshold"] == 5
    bad: list[dict[str, Any]] = [
        {"name": "x", "kind": "spike"},  # no threshold nor multiple
        {"name": "x", "kind": "escalation"},  # no after_hours
        {"name": "x", "kind": "new", "levels": ["loud"]},
        {"name": "x", "kind": "new", "channel_ids": [987654]},  # not this project's
        {"name": "x", "kind": "new", "surprise": 1},
        {"name": "", "kind": "new"},
        {"name": "nul\u0000", "kind": "new"},
        {"name": "x", "kind": "new", "environments": ["prod\u0000"]},
        {"name": "x", "kind": "new", "channel_ids": [2**70]},
    ]
    for body in bad:
        resp = await ctx.client.post(_p(ctx, "rules"), json=body, headers=ctx.headers)
        assert resp.status == 422, (body, await resp.text())
    resp = await ctx.client.delete(_p(ctx, f"rules/{rule['id']}"), headers=ctx.headers)
    assert resp.status == 204
    resp = await ctx.client.delete(_p(ctx, f"rules/{rule['id']}"), headers=ctx.headers)
    assert resp.status == 404


async def test_channels_validation_and_secret_never_shown(api: Api) -> None:
    ctx = await new_project(api)
    for body in (
        {"name": "x", "kind": "webhook"},
        {"name": "x", "kind": "slack", "url": "ftp://example.com/x"},
        {"name": "x", "kind": "email", "recipients": ["not-an-address"]},
        {"name": "x", "kind": "email", "url": "https://example.com/"},
        {"name": "x", "kind": "webhook", "url": "https://example.com/", "secret": "short"},
    ):
        resp = await ctx.client.post(_p(ctx, "channels"), json=body, headers=ctx.headers)
        assert resp.status == 422, (body, await resp.text())
    resp = await ctx.client.post(
        _p(ctx, "channels"),
        json={"name": "hook", "kind": "webhook", "url": "https://example.com/h",
              "secret": "x" * 32},
        headers=ctx.headers,
    )  # fmt: skip
    assert resp.status == 201
    listed = await (await ctx.client.get(_p(ctx, "channels"), headers=ctx.headers)).text()
    assert "x" * 32 not in listed


async def test_members_read_owners_change_strangers_see_nothing(api: Api, smtp: SmtpSink) -> None:
    ctx = await new_project(api)
    member = await api.account()
    stranger = await api.account()
    await api.join(ctx.owner, member, project_id=ctx.pid, mailed_link=smtp.take_invitation)
    rule = {"name": "n", "kind": "new"}
    assert (await ctx.client.get(_p(ctx, "rules"), headers=member.headers)).status == 200
    resp = await ctx.client.post(_p(ctx, "rules"), json=rule, headers=member.headers)
    assert resp.status == 403
    for method, tail, body in (
        ("GET", "rules", None), ("POST", "rules", rule), ("GET", "channels", None),
        ("GET", "deliveries", None), ("GET", "preferences", None),
        ("PUT", "preferences", {"digest": True}), ("POST", "test", {}),
        ("DELETE", "rules/1", None), ("DELETE", "channels/1", None),
    ):  # fmt: skip
        resp = await ctx.client.request(method, _p(ctx, tail), json=body, headers=stranger.headers)
        assert resp.status == 404, (method, tail, resp.status)
    resp = await ctx.client.get(_p(ctx, "rules"))
    assert resp.status == 401


async def test_preferences_are_per_person(api: Api, smtp: SmtpSink) -> None:
    ctx = await new_project(api)
    member = await api.account()
    await api.join(ctx.owner, member, project_id=ctx.pid, mailed_link=smtp.take_invitation)
    resp = await ctx.client.put(
        _p(ctx, "preferences"), json={"digest": True, "rule_kinds": ["new", "spike"]},
        headers=member.headers,
    )  # fmt: skip
    prefs = await resp.json()
    assert prefs["digest"] is True and prefs["rule_kinds"] == ["new", "spike"]
    assert prefs["last_digest_at"] is not None
    mine = await (await ctx.client.get(_p(ctx, "preferences"), headers=ctx.headers)).json()
    assert mine["digest"] is False and mine["rule_kinds"] is None
    resp = await ctx.client.put(
        _p(ctx, "preferences"), json={"rule_kinds": ["sometimes"]}, headers=member.headers
    )
    assert resp.status == 422


async def test_delivery_log_pages_and_filters(api: Api) -> None:
    ctx = await new_project(api)
    for _ in range(3):
        resp = await ctx.client.post(_p(ctx, "test"), json={}, headers=ctx.headers)
        assert resp.status == 202
    page = await (await ctx.client.get(_p(ctx, "deliveries?limit=2"), headers=ctx.headers)).json()
    assert len(page["items"]) == 2 and page["next_before"] is not None
    rest = await (
        await ctx.client.get(
            _p(ctx, f"deliveries?limit=2&before={page['next_before']}"), headers=ctx.headers
        )
    ).json()
    assert len(rest["items"]) == 1 and rest["next_before"] is None
    ids = [d["id"] for d in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3
    for query in ("status=lost", "limit=0", "limit=x", "before=-1"):
        resp = await ctx.client.get(_p(ctx, f"deliveries?{query}"), headers=ctx.headers)
        assert resp.status == 422, query
    resp = await ctx.client.post(_p(ctx, "test"), json={"channel_id": 424242}, headers=ctx.headers)
    assert resp.status == 404
