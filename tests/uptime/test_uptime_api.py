"""Monitors through the HTTP API with the built-in agent running: validation, tenants, the
outage lifecycle against a real target, statistics, alerts recorded once."""

from __future__ import annotations

import json
import ssl
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from certkit import self_signed
from support import Account, Api
from uptimekit import HttpTarget, TcpTarget, eventually

Client = TestClient[Any, Any]


async def _monitor(client: Client, owner: Account, project_id: int, **body: Any) -> Any:
    resp = await client.post(
        f"/api/v1/projects/{project_id}/monitors", json=body, headers=owner.headers
    )
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def test_create_list_update_delete_and_other_tenants(client: Client, api: Api) -> None:
    owner, stranger = await api.account(), await api.account()
    project = await api.project(owner)
    body = {"name": "db", "check": {"kind": "tcp", "host": "127.0.0.1", "port": 9},
            "interval_seconds": 30}  # fmt: skip
    created = await _monitor(client, owner, project["id"], **body)
    assert created["state"] == "pending" and created["timeout_seconds"] == 10
    assert created["check"] == {"kind": "tcp", "host": "127.0.0.1", "port": 9}

    listed = await client.get(f"/api/v1/projects/{project['id']}/monitors", headers=owner.headers)
    assert [m["id"] for m in await listed.json()] == [created["id"]]

    for method, path in [
        ("GET", f"/api/v1/monitors/{created['id']}"),
        ("PATCH", f"/api/v1/monitors/{created['id']}"),
        ("DELETE", f"/api/v1/monitors/{created['id']}"),
        ("GET", f"/api/v1/monitors/{created['id']}/stats"),
        ("GET", f"/api/v1/projects/{project['id']}/monitors"),
        ("GET", f"/api/v1/projects/{project['id']}/monitors/summary"),
        ("POST", f"/api/v1/projects/{project['id']}/monitors"),
    ]:
        resp = await client.request(method, path, json=body, headers=stranger.headers)
        assert resp.status == 404, (method, path, resp.status)

    resp = await client.patch(f"/api/v1/monitors/{created['id']}",
                              json={"enabled": False, "interval_seconds": 5},
                              headers=owner.headers)  # fmt: skip
    changed = await resp.json()
    assert changed["enabled"] is False and changed["timeout_seconds"] == 5
    resp = await client.delete(f"/api/v1/monitors/{created['id']}", headers=owner.headers)
    assert resp.status == 204
    resp = await client.get(f"/api/v1/monitors/{created['id']}", headers=owner.headers)
    assert resp.status == 404


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "x", "check": {"kind": "http", "url": "gopher://x"}}, "url"),
        ({"name": "x", "check": {"kind": "smtp"}}, "check"),
        ({"name": "x", "check": {"kind": "tcp", "host": "h", "port": 0}}, "port"),
        ({"name": "x", "check": {"kind": "tcp", "host": "h", "port": 1},
          "interval_seconds": 2, "timeout_seconds": 5}, "timeout"),
        ({"name": "x", "check": {"kind": "tcp", "host": "h", "port": 1}, "agent_id": 999}, "agent"),
        ({"name": "x", "check": {"kind": "dns", "name": "a.test", "record_type": "SRV"}},
         "record_type"),
    ],
)  # fmt: skip
async def test_bad_monitors_are_refused_with_422(
    client: Client, api: Api, body: dict[str, Any], where: str
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    resp = await client.post(
        f"/api/v1/projects/{project['id']}/monitors", json=body, headers=owner.headers
    )
    assert resp.status == 422, await resp.text()
    assert where in await resp.text()


async def test_outage_opens_after_retries_resolves_on_recovery_alerts_once(
    client: Client, api: Api, database_url: str
) -> None:
    target = await HttpTarget(mode="error").start()
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    monitor = await _monitor(client, owner, pid, name="web", interval_seconds=1, retries=2,
                             check={"kind": "http", "url": target.url})  # fmt: skip
    conn = await asyncpg.connect(database_url)
    try:

        async def outages() -> list[Any]:
            resp = await client.get(f"/api/v1/projects/{pid}/outages", headers=owner.headers)
            return list(await resp.json())

        opened = (await eventually(outages))[0]
        beats = await conn.fetch(
            "SELECT checked_at, ok FROM heartbeats WHERE monitor_id = $1 ORDER BY checked_at",
            monitor["id"],
        )
        # Down only at the third failure (retries=2); the outage starts at the first one.
        assert len(beats) >= 3 and not any(b["ok"] for b in beats)
        assert datetime.fromisoformat(opened["started_at"]) == beats[0]["checked_at"]
        summary = await (await client.get(f"/api/v1/projects/{pid}/monitors/summary",
                                          headers=owner.headers)).json()  # fmt: skip
        assert summary["down"] == 1 and summary["open_outages"] == 1

        resp = await client.post(f"/api/v1/outages/{opened['id']}/acknowledge",
                                 headers=owner.headers)  # fmt: skip
        acked = await resp.json()
        assert acked["acknowledged_at"] and acked["acknowledged_by"] == owner.id
        stranger = await api.account()
        resp = await client.post(f"/api/v1/outages/{opened['id']}/acknowledge",
                                 headers=stranger.headers)  # fmt: skip
        assert resp.status == 404

        target.mode = "ok"

        async def resolved() -> Any:
            found = await outages()
            return found[0] if found[0]["resolved_at"] else None

        done = await eventually(resolved)
        first_ok = await conn.fetchval(
            "SELECT min(checked_at) FROM heartbeats WHERE monitor_id = $1 AND ok", monitor["id"]
        )
        assert datetime.fromisoformat(done["resolved_at"]) == first_ok
        expected = (first_ok - beats[0]["checked_at"]).total_seconds()
        assert done["time_to_resolve"] == pytest.approx(expected, abs=1e-3)
        assert len(await outages()) == 1

        alerts = await conn.fetch(
            "SELECT kind, outage_id FROM uptime_alerts WHERE monitor_id = $1 ORDER BY id",
            monitor["id"],
        )
        assert [(a["kind"], a["outage_id"]) for a in alerts] == [
            ("monitor_down", opened["id"]), ("monitor_recovered", opened["id"])
        ]  # fmt: skip

        stats = await (await client.get(f"/api/v1/monitors/{monitor['id']}/stats",
                                         headers=owner.headers)).json()  # fmt: skip
        day = stats["windows"][0]
        assert day["window"] == "24h" and day["checks"] >= 4
        up = await conn.fetchval(
            "SELECT count(*) FILTER (WHERE ok) * 100.0 / count(*) FROM heartbeats "
            "WHERE monitor_id = $1", monitor["id"],
        )  # fmt: skip
        # Rollups and heartbeats agree (a check may land between the two reads: one step).
        assert abs(day["uptime_percent"] - float(up)) < 100 / day["checks"] + 1e-6
        assert day["latency_p50_ms"] is not None and day["latency_p50_ms"] > 0
        beats_api = await (await client.get(f"/api/v1/monitors/{monitor['id']}/heartbeats",
                                             headers=owner.headers)).json()  # fmt: skip
        assert beats_api[0]["ok"] is True and beats_api[-1]["ok"] is False
    finally:
        await conn.close()
        await target.stop()


async def test_a_monitor_without_results_is_unknown_never_up(
    client: Client, api: Api, database_url: str
) -> None:
    listener = await TcpTarget().start()
    owner = await api.account()
    project = await api.project(owner)
    monitor = await _monitor(
        client,
        owner,
        project["id"],
        name="tcp",
        interval_seconds=1,
        check={"kind": "tcp", "host": "127.0.0.1", "port": listener.port},
    )
    url = f"/api/v1/monitors/{monitor['id']}"

    async def state() -> str:
        return str((await (await client.get(url, headers=owner.headers)).json())["state"])

    await eventually(lambda: _is(state, "up"))
    # Nothing runs it any more (as if every checker were gone): it turns unknown, not up.
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE monitors SET next_run_at = now() + interval '1 day' WHERE id = $1",
            monitor["id"],
        )
    finally:
        await conn.close()
    await eventually(lambda: _is(state, "unknown"), timeout=60)
    await listener.stop()


async def _is(probe: Any, expected: str) -> bool:
    return bool(await probe() == expected)


async def test_an_expiring_certificate_alerts_once(
    client: Client, api: Api, database_url: str, tmp_path: Path
) -> None:
    cert, key, expires = self_signed(tmp_path, days_valid=3)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    target = await HttpTarget(tls=context).start()
    owner = await api.account()
    project = await api.project(owner)
    monitor = await _monitor(client, owner, project["id"], name="tls", interval_seconds=1,
                             check={"kind": "http", "url": target.url,
                                    "verify_tls": False, "cert_expiry_days": 14})  # fmt: skip
    conn = await asyncpg.connect(database_url)
    try:

        async def three_checks() -> bool:
            count = await conn.fetchval(
                "SELECT count(*) FROM heartbeats WHERE monitor_id = $1 AND ok", monitor["id"]
            )
            return bool(count >= 3)

        await eventually(three_checks)
        alerts = await conn.fetch(
            "SELECT kind, payload FROM uptime_alerts WHERE monitor_id = $1", monitor["id"]
        )
        assert [a["kind"] for a in alerts] == ["cert_expiring"]
        assert (
            datetime.fromisoformat(json.loads(alerts[0]["payload"])["cert_expires_at"]) == expires
        )
        shown = await (await client.get(f"/api/v1/monitors/{monitor['id']}",
                                         headers=owner.headers)).json()  # fmt: skip
        assert datetime.fromisoformat(shown["cert_expires_at"]) == expires
        assert shown["state"] == "up"
    finally:
        await conn.close()
        await target.stop()
