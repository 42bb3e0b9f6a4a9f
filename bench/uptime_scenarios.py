"""Uptime and alert-dispatch scenarios of `make bench`, on the bench's running server:

- "uptime: 1,000 monitors at 30 s": N HTTP monitors of the no-op target, first slots spread
  over the first interval as the server places new monitors, run for a while by the server's
  built-in agents; lateness of each check (start minus slot), slots run twice or missed
  (`bench.uptime_schedule` measures the same on its own server, longer). The monitors are
  disabled afterwards so that they load no later scenario.
- "uptime: monitor down -> alert email / webhook": a TCP monitor of a closed port goes down;
  time from the committed down event (`uptime_alerts.created_at`) until the SMTP server
  accepted the members' mail, and until a webhook receiver got the signed-less generic hook.
- "alert dispatch throughput": one burst of decided alerts for many projects, each with its own
  webhook channel (so no burst summary applies), and the rate at which the dispatchers deliver
  them to a loopback receiver.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from testkit.served import free_port

from bench.alert_scenarios import SmtpSink
from bench.harness import Backend, Run
from bench.uptime_schedule import _measure


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _spread_monitors(db_url: str, count: int, interval: int, target: str) -> int:
    conn = await asyncpg.connect(db_url)
    try:
        owner = await conn.fetchval(
            "INSERT INTO users (email, display_name) VALUES ($1, 'bench') RETURNING id",
            f"uptime-{uuid.uuid4().hex[:8]}@example.com",
        )
        project = await conn.fetchval(
            "INSERT INTO projects (name, owner_id, repository) VALUES ('uptime', $1, $2) "
            "RETURNING id", owner, f"github.com/bench/uptime-{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        config = json.dumps({"kind": "http", "url": target, "method": "GET", "status_min": 200,
                             "status_max": 399, "body_contains": None, "follow_redirects": True,
                             "verify_tls": True, "cert_expiry_days": 14})  # fmt: skip
        await conn.execute(
            "INSERT INTO monitors (project_id, name, kind, config, interval_seconds, "
            "timeout_seconds, retries, next_run_at) "
            "SELECT $1, 'm' || i, 'http', $2::jsonb, $3::int, least(10, $3::int), 1, "
            "now() + interval '3 seconds' + make_interval(secs => random() * $3::int) "
            "FROM generate_series(0, $4::int - 1) AS i",
            project, config, interval, count,
        )  # fmt: skip
        return int(project)
    finally:
        await conn.close()


async def scenario_uptime_schedule(run: Run, db_url: str, target_base: str) -> None:
    count, interval = (200, 10) if run.quick else (1000, 30)
    duration = 25.0 if run.quick else 75.0
    project = await _spread_monitors(db_url, count, interval, f"{target_base}/health")
    conn = await asyncpg.connect(db_url)
    try:
        since = await conn.fetchval("SELECT now() + interval '3 seconds'")
        await asyncio.sleep(duration)
        await conn.execute("UPDATE monitors SET enabled = false WHERE project_id = $1", project)
    finally:
        await conn.close()
    result = await _measure(db_url, since)
    result.update(monitors=count, interval_s=interval, duration_s=duration)
    run.results["uptime_schedule"] = result


class _HookSink:
    """A loopback webhook receiver that records when (wall clock) each idempotency key came."""

    def __init__(self) -> None:
        self.port = free_port()
        self.got: dict[str, tuple[float, dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.got.setdefault(request.headers.get("Idempotency-Key", ""), (time.time(), body))
        return web.Response(text="ok")

    async def start(self) -> _HookSink:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


async def _post(session: aiohttp.ClientSession, url: str, backend: Backend, body: Any) -> Any:
    async with session.post(url, json=body, headers=backend.headers) as resp:
        assert resp.status in (200, 201), await resp.text()
        return await resp.json()


async def _one_down(
    session: aiohttp.ClientSession, backend: Backend, conn: Any, smtp: SmtpSink, hooks: _HookSink
) -> tuple[float, float]:
    """A new project with a webhook channel and a monitor of a closed port; the milliseconds
    from its committed down event until the mail was accepted and until the hook arrived."""
    name = f"bench-down-{uuid.uuid4().hex[:10]}"
    api = f"{backend.url}/api/v1/projects"
    project = await _post(session, api, backend,
                          {"name": name, "repository": f"github.com/bench/{name}"})  # fmt: skip
    pid = project["id"]
    hook = {"name": "hook", "kind": "webhook", "url": hooks.url}
    await _post(session, f"{api}/{pid}/alerts/channels", backend, hook)
    check = {"kind": "tcp", "host": "127.0.0.1", "port": free_port()}
    monitor = await _post(session, f"{api}/{pid}/monitors", backend,
                          {"name": name, "check": check, "interval_seconds": 1,
                           "timeout_seconds": 1, "retries": 0})  # fmt: skip
    offset = time.time() - time.monotonic()  # the SMTP sink records monotonic times
    deadline = time.monotonic() + 30
    mailed: float | None = None
    hooked: list[float] = []
    while time.monotonic() < deadline:
        mailed = smtp.find(name)
        hooked = [at for at, body in hooks.got.values()
                  if any(m["name"] == name for m in body.get("monitors", []))]  # fmt: skip
        if mailed is not None and hooked:
            break
        await asyncio.sleep(0.005)
    else:
        raise RuntimeError(f"no down alert within 30 s for {name}")
    decided = await conn.fetchval(
        "SELECT extract(epoch FROM created_at)::float8 FROM uptime_alerts "
        "WHERE monitor_id = $1 AND kind = 'monitor_down'", monitor["id"],
    )  # fmt: skip
    await conn.execute("UPDATE monitors SET enabled = false WHERE id = $1", monitor["id"])
    assert mailed is not None
    return (mailed + offset - decided) * 1000, (hooked[0] - decided) * 1000


async def scenario_uptime_alert(run: Run, backend: Backend, db_url: str, smtp: SmtpSink) -> None:
    """One monitor down per sample, each in its own project (no burst summary applies)."""
    samples = 3 if run.quick else 12
    hooks = await _HookSink().start()
    mail_ms: list[float] = []
    hook_ms: list[float] = []
    conn = await asyncpg.connect(db_url)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(samples):
                mail, hook = await _one_down(session, backend, conn, smtp, hooks)
                mail_ms.append(mail)
                hook_ms.append(hook)
                await asyncio.sleep(0.2)
    finally:
        await conn.close()
        await hooks.stop()
    run.results["uptime_down_to_alert"] = {
        "samples": samples,
        "email_p50_ms": round(_quantile(mail_ms, 0.5), 1),
        "email_max_ms": round(max(mail_ms), 1),
        "webhook_p50_ms": round(_quantile(hook_ms, 0.5), 1),
        "webhook_max_ms": round(max(hook_ms), 1),
    }


async def scenario_dispatch_throughput(run: Run, backend: Backend, db_url: str) -> None:
    """Decide one alert for each of N projects in one transaction (as a burst of down events
    would), then time until the receiver has every one."""
    count = 50 if run.quick else 300
    hooks = await _HookSink().start()
    conn = await asyncpg.connect(db_url)
    try:
        owner = await conn.fetchval(
            "SELECT user_id FROM api_tokens ORDER BY id LIMIT 1"
        )  # the bench's account
        pids = [
            r["id"] for r in await conn.fetch(
                "INSERT INTO projects (name, owner_id, repository) "
                "SELECT 'burst' || i, $1, 'github.com/bench/burst-' || $2 || '-' || i "
                "FROM generate_series(1, $3::int) AS i RETURNING id",
                owner, uuid.uuid4().hex[:8], count,
            )
        ]  # fmt: skip
        await conn.execute(
            "INSERT INTO alert_channels (project_id, name, kind, url) "
            "SELECT unnest($1::bigint[]), 'hook', 'webhook', $2", pids, hooks.url,
        )  # fmt: skip
        began = time.time()
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO alert_outbox (project_id, trigger, dedupe_key, detail) "
                "SELECT p, 'monitor_down', 'bench:' || p, jsonb_build_object('monitor', "
                "jsonb_build_object('id', p, 'name', 'burst ' || p, 'kind', 'tcp')) "
                "FROM unnest($1::bigint[]) AS p", pids,
            )  # fmt: skip
            await conn.execute("SELECT pg_notify('railguard_alerts', '')")
        deadline = time.monotonic() + 120
        while len(hooks.got) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        got = sorted(at for at, _ in hooks.got.values())
    finally:
        await conn.close()
        await hooks.stop()
    if len(got) < count:
        raise RuntimeError(f"only {len(got)} of {count} alerts delivered within 120 s")
    span = got[-1] - began
    run.results["alert_dispatch_throughput"] = {
        "alerts": count,
        "all_delivered_s": round(span, 2),
        "alerts_per_s": round(count / span, 1),
        "first_ms": round((got[0] - began) * 1000, 1),
    }
