"""Grouping into incidents, group commit under concurrency, commit detection, and the incident
lifecycle (resolve, regressions, acknowledge, ignore, reopen) over real HTTP.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from e2e import Ctx, event_envelope, new_project, sentry_event, sql

from support import Api

SHA_A = "a" * 8 + "1b2c3d4e5f60718293a4b5c6d7e8f90"
SHA_B = "b" * 8 + "1b2c3d4e5f60718293a4b5c6d7e8f90"
FRAMES = sentry_event()["exception"]["values"][0]["stacktrace"]["frames"]


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


async def test_a_thousand_concurrent_events_make_one_incident(ctx: Ctx, database_url: str) -> None:
    """50 concurrent senders, 20 events each, half envelopes and half native: group commit
    shares transactions, and every 2xx is a committed row."""

    async def sender(n: int) -> list[int]:
        statuses = []
        for i in range(20):
            if (n + i) % 2:
                resp = await ctx.send(event_envelope(sentry_event(value=f"'inv-{n}-{i}'")))
            else:
                body = {"error_type": "KeyError", "message": f"'inv-{n}-{i}'",
                        "platform": "python", "frames": FRAMES}  # fmt: skip
                resp = await ctx.native(body)
            statuses.append(resp.status)
        return statuses

    results = await asyncio.gather(*(sender(n) for n in range(50)))
    assert {s for r in results for s in r} <= {200, 201}
    (incident,) = await ctx.incidents()
    assert incident["event_count"] == 1000
    rows = await sql(database_url, "SELECT count(*), count(DISTINCT incident_id) FROM events")
    assert tuple(rows[0]) == (1000, 1)


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["Invoice 17 not found", "Invoice 90210 not found"], id="numbers"),
        pytest.param(["user 5f0c2a4e-8b1d-4c3a-9e2f-7a6b5c4d3e2f gone",
                      "user 0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a gone"], id="uuids"),
        pytest.param(["timeout after 1.5s at 0x7f3a2b1c", "timeout after 30.25s at 0xdeadbeef"],
                     id="durations-and-addresses"),
    ],
)  # fmt: skip
async def test_messages_differing_by_ids_group_together(ctx: Ctx, values: list[str]) -> None:
    for value in values:
        resp = await ctx.native({"error_type": "LookupError", "message": value,
                                 "stack_trace": None})  # fmt: skip
        assert resp.status == 201
    (incident,) = await ctx.incidents()
    assert incident["event_count"] == 2


async def test_different_errors_make_different_incidents(ctx: Ctx) -> None:
    await ctx.send(event_envelope(sentry_event("KeyError")))
    await ctx.send(event_envelope(sentry_event("ValueError")))
    await ctx.send(event_envelope(sentry_event("KeyError", function="other_function")))
    assert len(await ctx.incidents()) == 3


async def test_a_shifted_line_in_a_later_commit_joins_the_incident(ctx: Ctx) -> None:
    await ctx.send(event_envelope(sentry_event(lineno=2, release=SHA_A)))
    await ctx.send(event_envelope(sentry_event(lineno=14, release=SHA_B)))
    (incident,) = await ctx.incidents()
    assert incident["event_count"] == 2
    assert (incident["first_commit"], incident["latest_commit"]) == (SHA_A, SHA_B)
    assert incident["top_frame"]["line"] == 14


async def _commit_of(ctx: Ctx, event: dict[str, Any]) -> tuple[str | None, str]:
    assert (await ctx.send(event_envelope(event))).status == 200
    incidents = await ctx.incidents()
    for incident in incidents:
        for e in (await ctx.incident(incident["id"]))["recent_events"]:
            if e["event_id"] == event["event_id"]:
                return e["commit_sha"], e["commit_source"]
    raise AssertionError("event not found")


async def test_commit_resolution_order(ctx: Ctx) -> None:
    resp = await ctx.client.post(
        f"/api/v1/projects/{ctx.pid}/releases", json={"version": "shop@1.4.0", "commit": SHA_B},
        headers=ctx.headers,
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["commit"] == SHA_B
    # Native SHA beats everything.
    native = await ctx.native({"message": "n", "commit_sha": SHA_A, "release": "shop@1.4.0",
                               "tags": {"commit": SHA_B}})  # fmt: skip
    eid = (await native.json())["id"]
    (incident,) = await ctx.incidents()
    (event,) = [e for e in (await ctx.incident(incident["id"]))["recent_events"]
                if e["event_id"] == eid]  # fmt: skip
    assert (event["commit_sha"], event["commit_source"]) == (SHA_A, "native")
    # A release that is, or ends in, a SHA.
    assert await _commit_of(ctx, sentry_event(release=SHA_A, tags={"commit": SHA_B})) == (
        SHA_A, "release",
    )  # fmt: skip
    assert await _commit_of(ctx, sentry_event(release=f"shop@{SHA_A[:12]}")) == (
        SHA_A[:12], "release",
    )  # fmt: skip
    # A commit tag, when the release says nothing (even when the release is registered).
    tagged = sentry_event(release="shop@1.4.0", tags={"git_commit": SHA_A})
    assert await _commit_of(ctx, tagged) == (SHA_A, "tag")
    # The registered release → commit mapping.
    assert await _commit_of(ctx, sentry_event(release="shop@1.4.0")) == (SHA_B, "mapping")
    # Nothing: kept, and marked so.
    assert await _commit_of(ctx, sentry_event(release="shop@9.9.9")) == (None, "none")
    assert await _commit_of(ctx, sentry_event()) == (None, "none")


async def test_resolve_then_same_deploy_stays_resolved_later_deploy_regresses(ctx: Ctx) -> None:
    await ctx.send(event_envelope(sentry_event(release=SHA_A)))
    (incident,) = await ctx.incidents()
    iid = incident["id"]
    resolved = await ctx.act(iid, "resolve", commit=SHA_B.upper())
    assert resolved["status"] == "resolved" and resolved["change_kind"] == "resolved"
    assert resolved["resolved_by"] == ctx.owner.id
    assert resolved["resolved_commit"] == SHA_B
    assert resolved["resolved_at"] is not None
    assert resolved["time_to_resolve"] is not None and resolved["time_to_resolve"] >= 0

    # Still the old deploy (events in flight, or the fix not shipped yet): stays resolved.
    await ctx.send(event_envelope(sentry_event(release=SHA_A)))
    incident = await ctx.incident(iid)
    assert incident["status"] == "resolved" and incident["event_count"] == 2
    assert incident["regression_count"] == 0

    # A later deploy raises it again: a regression.
    await ctx.send(event_envelope(sentry_event(release=SHA_B)))
    incident = await ctx.incident(iid)
    assert incident["status"] == "open"
    assert incident["change_kind"] == "regressed"
    assert incident["regression_count"] == 1 and incident["regressed_at"] is not None
    assert incident["event_count"] == 3
    assert incident["time_to_resolve"] == resolved["time_to_resolve"]  # the first resolve's

    again = await ctx.act(iid, "resolve")
    assert again["status"] == "resolved" and again["resolved_commit"] is None
    assert again["time_to_resolve"] is not None


async def test_acknowledge_ignore_reopen(ctx: Ctx) -> None:
    await ctx.send(event_envelope(sentry_event(release=SHA_A)))
    (incident,) = await ctx.incidents()
    iid = incident["id"]
    acked = await ctx.act(iid, "acknowledge")
    assert acked["status"] == "acknowledged" and acked["acknowledged_at"] is not None
    await ctx.send(event_envelope(sentry_event(release=SHA_B)))
    assert (await ctx.incident(iid))["status"] == "acknowledged"

    ignored = await ctx.act(iid, "ignore")
    assert ignored["status"] == "ignored" and ignored["change_kind"] == "ignored"
    await ctx.send(event_envelope(sentry_event(release=SHA_A)))
    await ctx.send(event_envelope(sentry_event(release="c" * 40)))
    incident = await ctx.incident(iid)
    assert incident["status"] == "ignored" and incident["event_count"] == 4
    assert incident["regression_count"] == 0

    reopened = await ctx.act(iid, "reopen")
    assert reopened["status"] == "open" and reopened["change_kind"] == "reopened"
    assert reopened["change_seq"] > ignored["change_seq"]
    resolved = await ctx.act(iid, "resolve")
    reopened = await ctx.act(iid, "reopen")
    assert reopened["resolved_at"] is None and reopened["resolved_by"] is None
    assert resolved["status"] == "resolved"


@pytest.mark.parametrize("commit", ["xyz", "abc", "g" * 40])
async def test_resolve_with_a_bad_commit_is_422(ctx: Ctx, commit: str) -> None:
    await ctx.send(event_envelope())
    (incident,) = await ctx.incidents()
    resp = await ctx.client.post(
        f"/api/v1/incidents/{incident['id']}/resolve", json={"commit": commit},
        headers=ctx.headers,
    )  # fmt: skip
    assert resp.status == 422


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        pytest.param([], None, id="no-rule"),
        pytest.param([{"strip_prefix": "/srv/app/"}], "shop/billing.py", id="strip-prefix"),
        pytest.param([{"strip_prefix": "/srv/app/", "source_root": "services/api/"}],
                     "services/api/shop/billing.py", id="strip-and-source-root"),
        pytest.param([{"strip_prefix": "/elsewhere/"}, {"strip_prefix": "/srv/"}],
                     "app/shop/billing.py", id="first-matching-rule"),
    ],
)  # fmt: skip
async def test_path_rules_apply_to_frames(
    api: Api, rules: list[dict[str, str]], path: str | None
) -> None:
    ctx = await new_project(api, path_rules=rules)
    frames = [{"abs_path": "/srv/app/shop/billing.py", "function": "f", "lineno": 3,
               "in_app": True}]  # fmt: skip
    event = sentry_event()
    event["exception"]["values"][0]["stacktrace"]["frames"] = frames
    assert (await ctx.send(event_envelope(event))).status == 200
    (incident,) = await ctx.incidents()
    assert incident["top_frame"]["path"] == path
    assert incident["top_frame"]["original_path"] == "/srv/app/shop/billing.py"


async def test_resolved_without_a_known_deploy_reopens_on_a_later_event(ctx: Ctx) -> None:
    """No commit was known when it was resolved, so a later event cannot be told apart from a
    new deploy: it reopens rather than stay hidden."""
    await ctx.send(event_envelope(sentry_event()))
    (incident,) = await ctx.incidents()
    assert incident["latest_commit"] is None
    resolved = await ctx.act(incident["id"], "resolve")
    assert resolved["status"] == "resolved"
    later = datetime.now(UTC) + timedelta(seconds=1)
    await ctx.send(event_envelope(sentry_event(timestamp=later.isoformat())))
    incident = await ctx.incident(incident["id"])
    assert incident["status"] == "open" and incident["change_kind"] == "regressed"
