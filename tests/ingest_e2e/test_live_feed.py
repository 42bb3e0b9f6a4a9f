"""The live feed over real HTTP: SSE per project driven by LISTEN/NOTIFY, resumable by seq
No sleeps: every wait is a read on the stream with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from e2e import Ctx, event_envelope, new_project, sentry_event

from railguard.server.app import create_app
from railguard.server.settings import Settings
from support import Api, free_port

DEADLINE = 2.0


class Stream:
    """Reads Server-Sent Events line by line."""

    def __init__(self, resp: ClientResponse) -> None:
        self.resp = resp

    async def next(self, timeout: float = DEADLINE) -> tuple[str, dict[str, Any], str | None]:
        """(event, data, id) of the next event, skipping comments (heartbeats)."""
        kind, data, ident = "message", b"", None
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "no event within the deadline"
            line = await asyncio.wait_for(self.resp.content.readline(), remaining)
            assert line, "the stream ended"
            line = line.rstrip(b"\r\n")
            if not line:
                if data:
                    return kind, orjson.loads(data), ident
                continue
            if line.startswith(b":"):
                continue
            name, _, value = line.decode().partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                kind = value
            elif name == "data":
                data += value.encode()
            elif name == "id":
                ident = value

    async def change(self, timeout: float = DEADLINE) -> dict[str, Any]:
        kind, data, ident = await self.next(timeout)
        assert kind == "change", (kind, data)
        assert ident == str(data["seq"])
        return data

    async def until_ready(self) -> tuple[list[dict[str, Any]], int]:
        """The replayed changes before `ready`, and ready's seq."""
        changes: list[dict[str, Any]] = []
        while True:
            kind, data, _ = await self.next()
            if kind == "ready":
                return changes, int(data["seq"])
            assert kind == "change"
            changes.append(data)


@asynccontextmanager
async def subscribe(
    client: TestClient[Any, Any], ctx: Ctx, since: int | None = None, **headers: str
) -> AsyncIterator[Stream]:
    params = {"since": str(since)} if since is not None else {}
    resp = await client.get(
        f"/api/v1/projects/{ctx.pid}/live", params=params, headers={**ctx.headers, **headers}
    )
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    try:
        yield Stream(resp)
    finally:
        resp.close()


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


async def _new_incident(ctx: Ctx, error_type: str) -> None:
    resp = await ctx.send(event_envelope(sentry_event(error_type)))
    assert resp.status == 200


async def test_subscriber_sees_new_update_and_resolve(ctx: Ctx) -> None:
    async with subscribe(ctx.client, ctx) as stream:
        replayed, _ = await stream.until_ready()
        assert replayed == []
        started = time.monotonic()
        await _new_incident(ctx, "KeyError")
        new = await stream.change()
        assert new["kind"] == "new" and new["incident"]["error_type"] == "KeyError"
        assert new["incident"]["top_frame"]["path"] == "shop/billing.py"
        assert time.monotonic() - started < DEADLINE
        await _new_incident(ctx, "KeyError")
        updated = await stream.change()
        assert updated["kind"] == "updated" and updated["incident"]["event_count"] == 2
        assert updated["seq"] > new["seq"]
        await ctx.act(new["incident"]["id"], "resolve")
        resolved = await stream.change()
        assert resolved["kind"] == "resolved" and resolved["incident"]["status"] == "resolved"
        await ctx.act(new["incident"]["id"], "reopen")
        assert (await stream.change())["kind"] == "reopened"


async def test_deleting_merging_and_restoring_are_changes_that_hide_and_show(ctx: Ctx) -> None:
    async with subscribe(ctx.client, ctx) as stream:
        await stream.until_ready()
        await _new_incident(ctx, "KeyError")
        first = (await stream.change())["incident"]
        await _new_incident(ctx, "ValueError")
        second = (await stream.change())["incident"]
        assert not first["hidden"] and not second["hidden"]
        resp = await ctx.client.delete(f"/api/v1/incidents/{first['id']}", headers=ctx.headers)
        assert resp.status == 204
        gone = await stream.change()
        assert gone["incident"]["id"] == first["id"] and gone["incident"]["hidden"]
        resp = await ctx.client.post(f"/api/v1/incidents/{first['id']}/restore",
                                     headers=ctx.headers)  # fmt: skip
        assert resp.status == 200
        back = await stream.change()
        assert back["incident"]["id"] == first["id"] and not back["incident"]["hidden"]
        body = {"incident_ids": [first["id"]]}
        resp = await ctx.client.post(f"/api/v1/incidents/{second['id']}/merge", json=body,
                                     headers=ctx.headers)  # fmt: skip
        assert resp.status == 200
        merged = {c["incident"]["id"]: c["incident"] for c in
                  [await stream.change(), await stream.change()]}  # fmt: skip
        assert merged[first["id"]]["hidden"] and merged[first["id"]]["merged_into"] == second["id"]
        assert not merged[second["id"]]["hidden"] and merged[second["id"]]["event_count"] == 2


async def test_one_batch_of_many_events_is_one_change_per_incident(ctx: Ctx) -> None:
    async with subscribe(ctx.client, ctx) as stream:
        await stream.until_ready()
        sends = [ctx.send(event_envelope(sentry_event("BatchError"))) for _ in range(30)]
        assert {r.status for r in await asyncio.gather(*sends)} == {200}
        # However the writer batched them, the feed converges on count 30, in seq order.
        seqs, count = [], 0
        while count < 30:
            change = await stream.change()
            seqs.append(change["seq"])
            count = change["incident"]["event_count"]
        assert seqs == sorted(seqs) and len(seqs) < 30


@pytest.mark.parametrize("resume", ["query", "last-event-id"])
async def test_reconnect_resumes_without_gaps_or_duplicates(ctx: Ctx, resume: str) -> None:
    async with subscribe(ctx.client, ctx) as stream:
        await stream.until_ready()
        await _new_incident(ctx, "AError")
        first = await stream.change()
    last_seq = first["seq"]
    a = first["incident"]["id"]

    # Changes made while nobody is listening.
    await _new_incident(ctx, "BError")
    await _new_incident(ctx, "CError")
    await ctx.act(a, "resolve")

    kwargs: dict[str, Any] = (
        {"since": last_seq} if resume == "query" else {"Last-Event-ID": str(last_seq)}
    )
    async with subscribe(ctx.client, ctx, **kwargs) as stream:
        missed, ready_seq = await stream.until_ready()
        assert [(c["incident"]["error_type"], c["kind"]) for c in missed] == [
            ("BError", "new"), ("CError", "new"), ("AError", "resolved"),
        ]  # fmt: skip
        seqs = [c["seq"] for c in missed]
        assert seqs == sorted(set(seqs)) and seqs[0] > last_seq and ready_seq == seqs[-1]
        # Then live again, with nothing replayed twice.
        await _new_incident(ctx, "DError")
        nxt = await stream.change()
        assert nxt["incident"]["error_type"] == "DError" and nxt["seq"] > ready_seq


async def test_since_zero_replays_the_current_state(ctx: Ctx) -> None:
    await _new_incident(ctx, "AError")
    await _new_incident(ctx, "BError")
    async with subscribe(ctx.client, ctx, since=0) as stream:
        replayed, _ = await stream.until_ready()
        assert sorted(c["incident"]["error_type"] for c in replayed) == ["AError", "BError"]


async def test_feed_is_per_project_and_checks_membership(ctx: Ctx, api: Api) -> None:
    other = await new_project(api)
    resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/live", headers=other.headers)
    assert resp.status == 404
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/live", params={"since": "x"}, headers=ctx.headers
    )
    assert resp.status == 422
    async with subscribe(ctx.client, ctx) as stream:
        await stream.until_ready()
        await other.send(event_envelope())  # another project's incident: not on this feed
        await _new_incident(ctx, "MineError")
        assert (await stream.change())["incident"]["error_type"] == "MineError"


async def test_a_second_server_on_the_same_database_delivers_the_change(
    ctx: Ctx, settings: Settings
) -> None:
    """LISTEN/NOTIFY across app instances: ingest on server A, subscribe on server B."""
    server_b = TestServer(create_app(settings), host="127.0.0.1", port=free_port())
    async with TestClient(server_b) as client_b:
        async with subscribe(client_b, ctx) as stream:
            await stream.until_ready()
            await _new_incident(ctx, "CrossError")  # through server A
            change = await stream.change()
            assert change["kind"] == "new" and change["incident"]["error_type"] == "CrossError"
            await ctx.act(change["incident"]["id"], "resolve")  # on A as well
            assert (await stream.change())["kind"] == "resolved"
