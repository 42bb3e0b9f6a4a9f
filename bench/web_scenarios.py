"""The web app's incident list and search on a big project: 100,000 incidents and 5,000,000
events (`--quick`: 10,000 and 500,000), timed one request at a time over loopback with a
signed-in browser's cookie, so each latency is the server's time plus a loopback round trip."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import asyncpg

from bench.harness import Backend, Run, loadgen
from bench.seed import seed_project


async def _project(backend: Backend) -> dict[str, Any]:
    async with aiohttp.ClientSession(headers=backend.headers) as session:
        async with session.post(
            f"{backend.url}/api/v1/projects",
            json={"name": "web", "repository": "github.com/bench/web"},
        ) as resp:
            assert resp.status == 201, await resp.text()
            project: dict[str, Any] = await resp.json()
        async with session.get(f"{backend.url}/api/v1/me") as resp:
            project["user_id"] = (await resp.json())["id"]
    return project


async def scenario_web_lists(run: Run, backend: Backend, db_url: str) -> None:
    from railguard.server.web import sessions

    incidents, events = (10_000, 500_000) if run.quick else (100_000, 5_000_000)
    project = await _project(backend)
    pid = project["id"]
    conn = await asyncpg.connect(db_url)
    try:
        began = time.perf_counter()
        seeded = await seed_project(
            conn, pid, incidents=incidents, events=events, files=2000,
            stack=[{"function": "handle", "in_app": True, "path": "src/app.py", "line": 1}],
        )  # fmt: skip
        # Users affected, spread so that `sort=users` has to order them (the writer counts
        # them at ingest; the seed bypasses it).
        await conn.execute("UPDATE incidents SET user_count = (id * 7919) % 1000 "
                           "WHERE project_id = $1", pid)  # fmt: skip
        await conn.execute("ANALYZE incidents")
        seeded["seconds"] = round(time.perf_counter() - began, 1)
        # A browser session, minted as the sign-in form would (the password check is not timed).
        secret, _ = await sessions.start(
            conn, user_id=project["user_id"], method="password", user_agent="bench",
            address="127.0.0.1",
        )  # fmt: skip
    finally:
        await conn.close()
    cookie = {"Cookie": f"rg_session={secret}"}
    count = 300 if run.quick else 1000
    base = f"{backend.url}/projects/{pid}"
    lists = [base, base + "?sort=first_seen", base + "?sort=events", base + "?sort=users",
             base + "?status=resolved",
             base + "?environment=production&level=error"]  # fmt: skip
    # Whole words (full-text), partial words (trigram), a file path, and a word nobody has.
    words = ["failure", "Seed42Error", "ompute", "module_0042", "number 4711", "nonexistentword"]
    searches = [f"{base}?q={w}" for w in words]
    api = [f"{backend.url}/api/v1/search/incidents?project_id={pid}&q={w}" for w in words]
    results: dict[str, Any] = {"seeded": seeded}
    for name, urls, headers in (("list", lists, cookie), ("search", searches, cookie),
                                ("api_search", api, backend.headers)):  # fmt: skip
        spec = {"mode": "get", "urls": urls, "count": count, "duration": 120, "connections": 1,
                "headers": headers}  # fmt: skip
        results[name] = await loadgen(run, f"web-{name}", spec)
    run.results["web_lists"] = results
