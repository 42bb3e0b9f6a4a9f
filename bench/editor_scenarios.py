"""Editor scenarios: ingest to diagnostic, the per-file query, placement, server memory."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg

from bench import sdk_events
from bench.harness import PY, Backend, Run, loadgen
from bench.loadgen import percentile
from bench.lsp_client import LspClient, rss_kib
from bench.seed import HOT_PATH, file_text, line_text, seed_project


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def make_repo(root: Path, origin: str) -> str:
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", origin)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "bench")
    return git(root, "rev-parse", "HEAD")


def lsp_env(run: Run) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_CONFIG_HOME": str(run.work / "xdg"),
        "HOME": str(run.work),
        "RAILGUARD_URL": "",
        "RAILGUARD_TOKEN": "",
    }


@contextlib.asynccontextmanager
async def language_server(
    run: Run, backend: Backend, root: Path, project: str
) -> AsyncIterator[LspClient]:
    stderr = (run.work / f"lsp-{project}.log").open("wb")
    argv = [PY, "-m", "railguard.lsp", *(["-v"] if os.environ.get("BENCH_LSP_VERBOSE") else [])]
    client = await LspClient.start(argv, lsp_env(run), stderr=stderr)
    try:
        await client.initialize(
            root,
            {"serverUrl": backend.url, "token": backend.token,
             "project": backend.projects[project]["id"]},
        )  # fmt: skip
        yield client
    finally:
        await client.close()
        stderr.close()


async def scenario_ingest_to_editor(
    run: Run, backend: Backend, app_root: Path, templates: dict[str, Path]
) -> None:
    """POST an event of a new error; time until the language server publishes it for the open
    file. Sequential samples with random gaps, as errors arrive one by one in real life."""
    make_repo(app_root, "git@github.com:bench/editor.git")
    module = app_root / "benchapp" / "small.py"
    template = json.loads(templates["small"].read_text())
    samples = 20 if run.quick else 60
    async with (
        language_server(run, backend, app_root, "editor") as lsp,
        aiohttp.ClientSession() as session,
    ):
        uri = lsp.did_open(module, module.read_text())
        await asyncio.sleep(2.0)  # connect, load the (empty) project, follow the live feed
        latencies = []
        for n in range(samples):
            expected = len(lsp.diagnostics.get(uri, [])) + 1
            body = sdk_events.render_new_type(template, 900_000 + n, uuid.uuid4().hex)
            began = time.perf_counter()
            async with session.post(
                backend.envelope_url("editor"), data=body, headers=backend.sentry_headers("editor")
            ) as resp:
                assert resp.status == 200, await resp.text()

            def arrived(e: int = expected) -> bool:
                return len(lsp.diagnostics.get(uri, [])) >= e

            shown = await lsp.wait_for(arrived, 10)
            latencies.append(shown - began)
            await asyncio.sleep(random.uniform(0.05, 0.25))
    run.results["ingest_to_editor"] = {
        "samples": samples,
        "p50_ms": round(1000 * (percentile(latencies, 50) or 0), 2),
        "p99_ms": round(1000 * (percentile(latencies, 99) or 0), 2),
        "max_ms": round(1000 * max(latencies), 2),
    }


async def scenario_editor_query(run: Run, backend: Backend, db_url: str, seed_root: Path) -> str:
    """Seed 10,000 incidents and 1,000,000 events in one project; time the per-file list."""
    events = 100_000 if run.quick else 1_000_000
    seed_root.mkdir(parents=True)
    (seed_root / "src" / "hot").mkdir(parents=True)
    (seed_root / HOT_PATH).write_text(file_text(5000))
    commit = make_repo(seed_root, "git@github.com:bench/seeded.git")
    pid = backend.projects["seeded"]["id"]
    conn = await asyncpg.connect(db_url)
    try:
        stack = await conn.fetchval(
            "SELECT latest_stack::text FROM incidents WHERE project_id = $1"
            " AND frame_path = 'benchapp/small.py' LIMIT 1",
            backend.projects["ingest"]["id"],
        )
        began = time.perf_counter()
        seeded = await seed_project(
            conn, pid, incidents=10_000, events=events, files=2000,
            stack=json.loads(stack) if stack else [{"function": "handle", "in_app": True}],
            commit=commit,
        )  # fmt: skip
        seeded["seconds"] = round(time.perf_counter() - began, 1)
        seq = await conn.fetchval("SELECT max(change_seq) FROM incidents")
        await conn.execute("SELECT pg_notify('railguard_changes', $1)", str(seq))
    finally:
        await conn.close()
    count = 500 if run.quick else 3000
    files = [f"src/pkg_{n // 100:02d}/module_{n:04d}.py" for n in range(0, 2000, 7)]
    urls = [
        f"{backend.url}/api/v1/projects/{pid}/incidents?status=open&path={path}" for path in files
    ]
    spec = {"mode": "get", "urls": urls, "count": count, "duration": 60, "connections": 1,
            "headers": backend.headers}  # fmt: skip
    result = await loadgen(run, "editor-query", spec)
    result["seeded"] = seeded
    run.results["editor_query"] = result
    return commit


def _placement_inputs(lines: int, count: int) -> tuple[list[str], list[str], list[int]]:
    old = [line_text(k) for k in range(1, lines + 1)]
    new = list(old)
    # An edit session: a block inserted near the top, a function rewritten, lines deleted.
    new[3000:3010] = [f"    rewritten_{k} = other({k})" for k in range(12)]
    del new[2000:2008]
    new[100:100] = [f"    inserted_{k} = helper({k})" for k in range(30)]
    rng = random.Random(7)
    crash_lines = sorted(rng.sample(range(1, lines + 1), count))
    return old, new, crash_lines


def scenario_placement(run: Run) -> None:
    """The language server's placement of 200 incidents on a 5,000-line file after an edit:
    one diff (LineMap) plus 200 placements with their frames' context, as `place_document`."""
    from railguard.lsp.core import linemap as pl

    old, new, crash = _placement_inputs(5000, 200)
    contexts = [
        pl.FrameContext(old[k - 1], tuple(old[max(0, k - 6) : k - 1]), tuple(old[k : k + 5]))
        for k in crash
    ]
    timings = []
    kinds: dict[str, int] = {}
    placed: list[pl.Placement] = []
    for _ in range(10 if run.quick else 50):
        began = time.perf_counter()
        mapping = pl.LineMap(old, new)
        placed = mapping.place_many(zip(crash, contexts, strict=True))
        timings.append(time.perf_counter() - began)
    for p in placed:
        kinds[str(p.kind)] = kinds.get(str(p.kind), 0) + 1
    run.results["placement"] = {
        "incidents": 200, "file_lines": 5000, "runs": len(timings),
        "p50_ms": round(1000 * statistics.median(timings), 3),
        "max_ms": round(1000 * max(timings), 3), "kinds": kinds,
    }  # fmt: skip


async def scenario_lsp_memory(run: Run, backend: Backend, seed_root: Path) -> None:
    """A real language server holding the seeded project's 10,000 open incidents, with the
    5,000-line file that 200 of them crash in open: its resident memory, and the time from an
    edit to the re-placed diagnostics (minus the server's typing debounce)."""
    hot = seed_root / HOT_PATH
    text = hot.read_text()
    async with language_server(run, backend, seed_root, "seeded") as lsp:
        began = time.perf_counter()
        uri = lsp.did_open(hot, text)
        await lsp.wait_for(lambda: len(lsp.diagnostics.get(uri, [])) >= 200, 120)
        loaded = time.perf_counter() - began
        await asyncio.sleep(1.0)
        status = await lsp.request(
            "workspace/executeCommand", {"command": "railguard.status", "arguments": []}
        )
        rss = rss_kib(lsp.pid)
        # An edit: 30 lines inserted near the top; wait for the re-placed publish.
        lines = text.splitlines(keepends=True)
        inserted = "".join(f"    inserted_{k} = helper({k})\n" for k in range(30))
        lsp.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 2},
             "contentChanges": [{"range": {"start": {"line": 100, "character": 0},
                                           "end": {"line": 100, "character": 0}},
                                 "text": inserted}]},
        )  # fmt: skip
        sent = time.perf_counter()
        before = len(lsp.notifications)

        def republished() -> bool:
            return any(
                m == "textDocument/publishDiagnostics" and p["uri"] == uri and p.get("version") == 2
                for _, m, p in lsp.notifications[before:]
            )

        done = await lsp.wait_for(republished, 30)
        moved = [d for d in lsp.diagnostics[uri] if d["range"]["start"]["line"] > 130]
        del lines
    from railguard.lsp.features.publishing import DEBOUNCE

    open_incidents = sum(p["openIncidents"] for p in status["projects"])
    run.results["lsp_memory"] = {
        "open_incidents": open_incidents,
        "rss_mib": round(rss / 1024, 1),
        "first_publish_s": round(loaded, 2),
        "diagnostics_in_file": len(lsp.diagnostics[uri]),
        "edit_to_publish_ms": round(1000 * (done - sent), 1),
        "debounce_ms": DEBOUNCE * 1000,
        "edit_replace_ms": round(1000 * (done - sent) - DEBOUNCE * 1000, 1),
        "moved_after_edit": len(moved),
    }


# --- report ------------------------------------------------------------------------------------
