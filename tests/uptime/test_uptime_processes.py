"""Real `railguard serve` processes: two servers (each with two workers) never run one check
twice in an interval (hits counted at the target), and `kill -9` mid-outage neither duplicates
the outage (nor its alerts, counted at a real webhook receiver) nor replays missed intervals as
a burst."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from alertkit import WebhookReceiver
from support import ServedBackend
from uptimekit import HttpTarget, eventually


async def _owner_project(url: str) -> tuple[dict[str, str], int]:
    email, password = f"up-{uuid.uuid4().hex[:8]}@example.com", "uptime passphrase"
    async with aiohttp.ClientSession() as session:
        await session.post(f"{url}/api/v1/auth/signup", json={"email": email, "password": password})
        async with session.post(
            f"{url}/api/v1/auth/login", json={"email": email, "password": password}
        ) as resp:
            headers = {"Authorization": f"Bearer {(await resp.json())['token']}"}
        async with session.post(
            f"{url}/api/v1/projects", headers=headers,
            json={"name": "up", "repository": f"github.com/up/{uuid.uuid4().hex[:6]}"},
        ) as resp:  # fmt: skip
            assert resp.status == 201, await resp.text()
            return headers, (await resp.json())["id"]


async def _create_monitor(url: str, headers: dict[str, str], project_id: int, **body: Any) -> Any:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/api/v1/projects/{project_id}/monitors", json=body, headers=headers
        ) as resp:
            assert resp.status == 201, await resp.text()
            return await resp.json()


async def test_two_servers_never_check_one_slot_twice(database_url: str, tmp_path: Path) -> None:
    target = await HttpTarget().start()
    servers = [ServedBackend(database_url, tmp_path / f"s{i}.log") for i in (1, 2)]
    try:
        for server in servers:
            await asyncio.to_thread(server.start)
        headers, pid = await _owner_project(servers[0].url)
        monitors = [
            await _create_monitor(
                servers[0].url,
                headers,
                pid,
                name=f"m{i}",
                interval_seconds=1,
                check={"kind": "http", "url": target.url},
            )  # fmt: skip
            for i in range(3)
        ]
        await eventually(lambda: _at_least(target, 3))
        await asyncio.sleep(6)
        for server in servers:
            await asyncio.to_thread(server.stop)
        conn = await asyncpg.connect(database_url)
        try:
            beats = await conn.fetchval("SELECT count(*) FROM heartbeats")
            doubled = await conn.fetch(
                "SELECT monitor_id, due_at FROM heartbeats GROUP BY 1, 2 HAVING count(*) > 1"
            )
            slots = await conn.fetchval(
                "SELECT count(DISTINCT due_at) FROM heartbeats WHERE monitor_id = $1",
                monitors[0]["id"],
            )
        finally:
            await conn.close()
        # Each slot of each monitor ran once, and the target saw exactly those checks (plus
        # at most one per monitor cut short by the stop before it was recorded).
        assert doubled == [] and slots >= 5
        assert beats <= target.hits <= beats + len(monitors), (beats, target.hits)
    finally:
        for server in servers:
            server.stop()
        await target.stop()


async def _at_least(target: HttpTarget, hits: int) -> bool:
    return target.hits >= hits


@pytest.mark.fault
async def test_kill_9_mid_outage_resumes_without_a_duplicate(
    database_url: str, tmp_path: Path
) -> None:
    target = await HttpTarget(mode="error").start()
    receiver = WebhookReceiver()
    await receiver.__aenter__()
    server = ServedBackend(database_url, tmp_path / "server.log")
    conn = await asyncpg.connect(database_url)
    try:
        await asyncio.to_thread(server.start)
        headers, pid = await _owner_project(server.url)
        async with aiohttp.ClientSession() as session:
            hook = {"name": "ops", "kind": "webhook", "url": receiver.url()}
            async with session.post(f"{server.url}/api/v1/projects/{pid}/alerts/channels",
                                    json=hook, headers=headers) as resp:  # fmt: skip
                assert resp.status == 201, await resp.text()
        monitor = await _create_monitor(
            server.url,
            headers,
            pid,
            name="web",
            interval_seconds=1,
            retries=1,
            check={"kind": "http", "url": target.url},
        )
        mid = monitor["id"]

        async def outages() -> list[Any]:
            return list(await conn.fetch("SELECT * FROM outages WHERE monitor_id = $1", mid))

        await eventually(outages)
        server.kill()
        killed_at = await conn.fetchval("SELECT now()")
        await asyncio.sleep(4)  # four slots pass with nothing running them
        restarting_at = await conn.fetchval("SELECT now()")
        await asyncio.to_thread(server.start)
        restarted_at = await conn.fetchval("SELECT now()")

        async def beats_after_restart() -> int:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM heartbeats WHERE monitor_id = $1 AND checked_at > $2",
                mid, restarted_at,
            )  # fmt: skip
            return count if count >= 3 else 0

        await eventually(beats_after_restart)
        # Missed slots were skipped, not replayed: nothing ran while it was down, and the
        # first second back holds at most the slot due then (plus one at the boundary).
        # (A worker may finish the check it began as the parent died: a second of grace.)
        gap = await conn.fetchval(
            "SELECT count(*) FROM heartbeats WHERE monitor_id = $1 "
            "AND checked_at > $2::timestamptz + interval '1 second' AND checked_at < $3",
            mid, killed_at, restarting_at,
        )  # fmt: skip
        back = await conn.fetchval(
            "SELECT min(checked_at) FROM heartbeats WHERE monitor_id = $1 AND checked_at > $2",
            mid, restarting_at,
        )  # fmt: skip
        burst = await conn.fetchval(
            "SELECT count(*) FROM heartbeats WHERE monitor_id = $1 AND checked_at >= $2 "
            "AND checked_at < $2::timestamptz + interval '1 second'", mid, back,
        )  # fmt: skip
        assert gap == 0 and burst <= 2, (gap, burst)
        assert len(await outages()) == 1

        target.mode = "ok"

        async def resolved() -> bool:
            found = await outages()
            return len(found) == 1 and found[0]["resolved_at"] is not None

        await eventually(resolved)
        kinds = [r["kind"] for r in await conn.fetch(
            "SELECT kind FROM uptime_alerts WHERE monitor_id = $1 ORDER BY id", mid)]  # fmt: skip
        assert kinds == ["monitor_down", "monitor_recovered"]

        async def two_hooks() -> bool:
            return len(receiver.delivered()) >= 2

        await eventually(two_hooks)
        await asyncio.sleep(2)  # a repeat would come within the retry delays
        hooks = receiver.delivered()
        assert [h.body["monitors"][0]["trigger"] for h in hooks] == kinds
        assert len({h.key for h in hooks}) == 2
    finally:
        await conn.close()
        server.stop()
        await target.stop()
        await receiver.__aexit__(None, None, None)
