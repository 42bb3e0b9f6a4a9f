"""`python -m bench`: every benchmark scenario against this machine's own ceilings.

Starts an embedded PostgreSQL in a temporary home, migrates a database, starts `railguard serve`
and a no-op aiohttp server as separate processes, and drives them with `bench.loadgen` processes
(loopback only, bounded in count and time). Prints a table and writes `bench/results.json`.

Options: `--quick` (shorter runs, for a smoke test), `--profile` (py-spy records the server during
the small-event run into `bench/profile-*.folded.txt` (collapsed stacks)), `--out PATH`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench import sdk_events
from bench.cpu import postmaster_pid, tree_cpu, tree_cpu_split
from bench.loadgen import percentile
from bench.lsp_client import LspClient, rss_kib
from bench.seed import HOT_PATH, file_text, line_text, seed_project

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PY = sys.executable

TARGETS = {
    "ingest_small_eps": 1500,
    "ingest_large_eps": 300,
    "latency_p99_ms": 100,
    "editor_p50_ms": 150,
    "editor_p99_ms": 500,
    "query_p99_ms": 20,
    "placement_ms": 20,
    "lsp_rss_mib": 100,
}


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Run:
    work: Path
    quick: bool
    procs: list[Proc] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    pg_pid: int | None = None
    rate: float | None = None

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Proc:
        log = self.work / f"{name}.log"
        popen = subprocess.Popen(
            argv, env={**os.environ, **(env or {})}, stdout=log.open("wb"),
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
        )  # fmt: skip
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


def wait_http(url: str, proc: Proc, timeout: float = 60) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited:\n{proc.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} did not answer {url}:\n{proc.log.read_text()[-3000:]}")


async def loadgen(run: Run, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One bounded load-generator process; returns its JSON report."""
    spec_path = run.work / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec))
    proc = await asyncio.create_subprocess_exec(
        PY, "-m", "bench.loadgen", str(spec_path), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    limit = float(spec.get("duration", 30)) + 120
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen {name} failed:\n{err.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


# --- backend setup -----------------------------------------------------------------------------


@dataclass
class Backend:
    url: str
    token: str
    projects: dict[str, dict[str, Any]]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def envelope_url(self, project: str) -> str:
        return f"{self.url}/api/{self.projects[project]['id']}/envelope/"

    def sentry_headers(self, project: str) -> dict[str, str]:
        key = self.projects[project]["ingest_key"]["public_key"]
        return {
            "Content-Type": "application/x-sentry-envelope",
            "User-Agent": "sentry.python/2.75.0",
            "X-Sentry-Auth": (
                f"Sentry sentry_key={key}, sentry_version=7, sentry_client=sentry.python/2.75.0"
            ),
        }


async def setup_backend(url: str) -> Backend:
    email, password = f"bench-{uuid.uuid4().hex[:6]}@example.com", "bench passphrase 123"
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{url}/api/v1/auth/signup", json={"email": email, "password": password}
        ) as resp:
            assert resp.status == 201, await resp.text()
        async with session.post(
            f"{url}/api/v1/auth/login", json={"email": email, "password": password}
        ) as resp:
            assert resp.status == 201, await resp.text()
            token = (await resp.json())["token"]
        projects = {}
        for name in ("ingest", "editor", "seeded"):
            async with session.post(
                f"{url}/api/v1/projects",
                json={"name": name, "repository": f"github.com/bench/{name}"},
                headers={"Authorization": f"Bearer {token}"},
            ) as resp:
                assert resp.status == 201, await resp.text()
                projects[name] = await resp.json()
    return Backend(url, token, projects)


# --- ceilings ----------------------------------------------------------------------------------


def _event_records(template: sdk_events.Template, count: int) -> list[tuple[Any, ...]]:
    """The rows the writer would insert into `events` for `count` events of this template."""
    import orjson

    from railguard.server.ingest.envelope import parse_envelope
    from railguard.server.ingest.process import process_sentry_event
    from railguard.server.pipeline.batch import Submission, event_columns, group_key

    raw = template.to_json()
    subs = []
    now = datetime.now(UTC)
    for n in range(count):
        env = parse_envelope(sdk_events.render(raw, n % 2000, uuid.uuid4().hex))
        payload = orjson.loads(env.items[0].payload)
        event = process_sentry_event(
            payload, envelope_headers=env.headers, received_at=now, client_ip="127.0.0.1",
            path_rules=[],
        )  # fmt: skip
        subs.append(Submission(project_id=1, key_id=1, event=event, received_at=now))
    ids = {group_key(s): i for i, s in enumerate(subs)}
    cols = event_columns(subs, ids)
    names = list(cols)
    return [tuple(cols[n][i] for n in names) for i in range(count)]


_COPY_COLUMNS = (
    "event_id", "project_id", "incident_id", "received_at", "occurred_at", "level", "error_type",
    "message", "commit_sha", "commit_source", "environment", "release", "deployment_id",
    "platform", "tags", "payload",
)  # fmt: skip


async def copy_ceiling(db_url: str, template: sdk_events.Template, count: int) -> dict[str, Any]:
    """Rows/s of a batched COPY (500 rows a transaction) of the same event rows into a scratch
    table shaped like `events` (same columns, primary key and incident index)."""
    records = await asyncio.to_thread(_event_records, template, count)
    records = [(uuid.UUID(r[0]), *r[1:]) for r in records]
    conn = await asyncpg.connect(db_url)
    try:
        table = f"bench_copy_{uuid.uuid4().hex[:8]}"
        await conn.execute(f"CREATE TABLE {table} (LIKE events INCLUDING ALL)")
        began = time.perf_counter()
        for start in range(0, len(records), 500):
            async with conn.transaction():
                await conn.copy_records_to_table(
                    table, records=records[start : start + 500], columns=_COPY_COLUMNS
                )
        elapsed = time.perf_counter() - began
        await conn.execute(f"DROP TABLE {table}")
    finally:
        await conn.close()
    return {"rows": len(records), "elapsed_s": round(elapsed, 3),
            "rows_per_s": round(len(records) / elapsed, 1)}  # fmt: skip


# --- scenarios ---------------------------------------------------------------------------------


def ingest_spec(
    backend: Backend, template: Path, *, count: int, duration: float, connections: int,
    kinds: int, mode: str = "closed", rate: float | None = None, project: str = "ingest",
) -> dict[str, Any]:  # fmt: skip
    spec: dict[str, Any] = {
        "mode": mode, "url": backend.envelope_url(project),
        "headers": backend.sentry_headers(project), "template": str(template), "count": count,
        "duration": duration, "connections": connections, "kinds": kinds, "encoding": "br",
    }  # fmt: skip
    if rate is not None:
        spec["rate"] = rate
    return spec


@contextlib.contextmanager
def cpu(run: Run, server_pid: int) -> Iterator[dict[str, Any]]:
    """CPU seconds the server (all its worker processes) and PostgreSQL used during the block;
    the load generator reports its own (`cpu_s`)."""
    use: dict[str, Any] = {}
    began = time.perf_counter()
    server, pg = tree_cpu_split(server_pid), tree_cpu(run.pg_pid)
    yield use
    use["wall_s"] = round(time.perf_counter() - began, 2)
    after_server, after_pg = tree_cpu_split(server_pid), tree_cpu(run.pg_pid)
    if server is not None and after_server is not None:
        use["server_s"] = round(sum(after_server) - sum(server), 2)
        use["server_system_s"] = round(after_server[1] - server[1], 2)
    if pg is not None and after_pg is not None:
        use["postgres_s"] = round(after_pg - pg, 2)


@contextlib.contextmanager
def profiling(run: Run, enabled: bool, pid: int, name: str, duration: float) -> Iterator[None]:
    if not enabled or shutil.which("py-spy", path=str(Path(PY).parent)) is None:
        yield
        return
    out = HERE / f"profile-{name}.folded.txt"
    spy = run.spawn(
        f"py-spy-{name}",
        [str(Path(PY).parent / "py-spy"), "record", "--pid", str(pid), "--format", "raw",
         "--output", str(out), "--duration", str(int(duration)), "--rate", "200", "--nonblocking",
         "--subprocesses"],
    )  # fmt: skip
    try:
        yield
    finally:
        try:
            spy.popen.wait(duration + 30)
        except subprocess.TimeoutExpired:
            spy.stop()
        run.results.setdefault("profiles", {})[name] = str(out.relative_to(ROOT))


async def scenario_http_ceiling(
    run: Run, noop_url: str, templates: dict[str, Path], backend: Backend
) -> None:
    q = run.quick
    for size, count, duration in (("small", 40_000, 8.0), ("large", 6_000, 6.0)):
        spec = ingest_spec(
            backend, templates[size], count=count // (4 if q else 1),
            duration=duration / (2 if q else 1), connections=32, kinds=2000,
        )  # fmt: skip
        spec["url"] = noop_url + "/api/1/envelope/"
        run.results[f"ceiling_http_{size}"] = await loadgen(run, f"noop-{size}", spec)


async def scenario_ingest(
    run: Run, backend: Backend, templates: dict[str, Path], server_pid: int, profile: bool
) -> None:
    q = run.quick
    plans = (("small", 60_000, 15.0, 2000), ("large", 12_000, 15.0, 500))  # > 15 s of sends
    for size, count, duration, kinds in plans:
        count, duration = (count // 4, duration / 3) if q else (count, duration)
        warm = ingest_spec(
            backend, templates[size], count=max(200, count // 20), duration=5, connections=32,
            kinds=kinds,
        )  # fmt: skip
        await loadgen(run, f"ingest-{size}-warmup", warm)
        spec = ingest_spec(
            backend, templates[size], count=count, duration=duration, connections=64, kinds=kinds
        )
        with (
            profiling(run, profile, server_pid, f"ingest-{size}", duration),
            cpu(run, server_pid) as use,
        ):
            run.results[f"ingest_{size}"] = await loadgen(run, f"ingest-{size}", spec)
        run.results[f"ingest_{size}"]["cpu"] = use


async def scenario_latency(
    run: Run, backend: Backend, templates: dict[str, Path], server_pid: int
) -> None:
    if run.rate:  # --rate: a fixed offered load, to compare runs or builds at the same rate
        rate = run.rate
    else:
        peak = run.results["ingest_small"]["ok_per_s"] or 100.0
        rate = round(peak / 2, 1)
    duration = 5.0 if run.quick else 15.0
    spec = ingest_spec(
        backend, templates["small"], count=int(rate * duration) + 1, duration=duration,
        connections=256, kinds=2000, mode="open", rate=rate,
    )  # fmt: skip
    with cpu(run, server_pid) as use:
        run.results["latency_half_max"] = await loadgen(run, "latency", spec)
    run.results["latency_half_max"]["cpu"] = use
    run.results["latency_half_max"]["fixed_rate"] = bool(run.rate)


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
    from railguard.lsp import placement as pl

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
    from railguard.lsp.features.documents import DEBOUNCE

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


def machine() -> dict[str, Any]:
    def sh(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    model = next(
        (ln.split(":", 1)[1].strip() for ln in sh("lscpu").splitlines()
         if ln.startswith("Model name")), platform.processor(),
    )  # fmt: skip
    mem_kib = next(
        int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )  # fmt: skip
    import aiohttp as _aiohttp

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": _aiohttp.__version__,
        "asyncpg": asyncpg.__version__,
    }


def _ratio(value: float | None, ceiling: float | None) -> str:
    if not value or not ceiling:
        return "-"
    return f"{value / ceiling:.2f}"


def table(results: dict[str, Any]) -> str:
    r = results
    rows: list[tuple[str, str, str, str, str]] = []

    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    for size in ("small", "large"):
        ing = r.get(f"ingest_{size}")
        if not ing:
            continue
        http = r.get(f"ceiling_http_{size}", {}).get("ok_per_s")
        copy = r.get(f"ceiling_copy_{size}", {}).get("rows_per_s")
        target = TARGETS[f"ingest_{size}_eps"]
        rows.append((
            f"ingest {size} ({ing['body_bytes']} B br, {r['event_bytes'][size]} B event)",
            f"{ing['ok_per_s']:.0f} ev/s ({ing['ok']} ok, {_errs(ing)})",
            f"http {http or 0:.0f}/s x{_ratio(ing['ok_per_s'], http)}; "
            f"COPY {copy or 0:.0f}/s x{_ratio(ing['ok_per_s'], copy)}{_cpu_note(ing)}",
            f">= {target}", met(ing["ok_per_s"] >= target),
        ))  # fmt: skip
    lat = r.get("latency_half_max")
    if lat:
        rows.append((
            f"ack latency at {lat['target_rate']}/s "
            f"({'fixed rate' if lat.get('fixed_rate') else 'half max'})",
            f"p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms ({lat['ok']} ok, {_errs(lat)})",
            f"achieved {lat['ok_per_s']}/s{_cpu_note(lat)}", "p99 < 100 ms",
            met((lat["p99_ms"] or 1e9) < TARGETS["latency_p99_ms"]),
        ))  # fmt: skip
    ed = r.get("ingest_to_editor")
    if ed:
        rows.append((
            "ingest -> editor diagnostic", f"p50 {ed['p50_ms']} ms, p99 {ed['p99_ms']} ms",
            f"{ed['samples']} samples", "p50 < 150, p99 < 500",
            met(ed["p50_ms"] < TARGETS["editor_p50_ms"]
                and ed["p99_ms"] < TARGETS["editor_p99_ms"]),
        ))  # fmt: skip
    q = r.get("editor_query")
    if q:
        rows.append((
            "editor query (10k incidents, 1M events)",
            f"p50 {q['p50_ms']} ms, p99 {q['p99_ms']} ms",
            f"{q['ok']} GETs, {q['ok_per_s']}/s", "p99 < 20 ms",
            met((q["p99_ms"] or 1e9) < TARGETS["query_p99_ms"]),
        ))  # fmt: skip
    pl = r.get("placement")
    if pl:
        rows.append((
            "re-place 200 incidents, 5,000 lines",
            f"p50 {pl['p50_ms']} ms, max {pl['max_ms']} ms", "pure LineMap", "< 20 ms",
            met(pl["max_ms"] < TARGETS["placement_ms"]),
        ))  # fmt: skip
    mem = r.get("lsp_memory")
    if mem:
        rows.append((
            f"LSP RSS, {mem['open_incidents']} open incidents", f"{mem['rss_mib']} MiB",
            f"edit->publish {mem['edit_to_publish_ms']} ms (debounce {mem['debounce_ms']:.0f})",
            "< 100 MB", met(mem["rss_mib"] * 1.048576 < TARGETS["lsp_rss_mib"]),
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    head = ("scenario", "result", "beside the ceilings / notes", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _cpu_note(result: dict[str, Any]) -> str:
    """`; CPU ms/event server/PostgreSQL/loadgen` when the run measured it."""
    use, ok = result.get("cpu") or {}, result.get("ok") or 0
    if not ok or "server_s" not in use:
        return ""
    parts = [use.get("server_s"), use.get("postgres_s"), result.get("cpu_s")]
    ms = "/".join("?" if p is None else f"{1000 * p / ok:.2f}" for p in parts)
    return f"; CPU ms/ev srv/pg/lg {ms}"


def _errs(result: dict[str, Any]) -> str:
    bad = {s: n for s, n in result["statuses"].items() if not s.startswith("2")}
    bad.update(result["errors"])
    return "no errors" if not bad else ", ".join(f"{k}: {v}" for k, v in bad.items())


# --- main --------------------------------------------------------------------------------------


async def main_async(args: argparse.Namespace, run: Run) -> None:
    from railguard.server.embedded_db import EmbeddedPostgres
    from railguard.server.migrations import migrate_up

    say = print  # noqa: T201 - this is a command-line report
    run.results["machine"] = machine()
    run.results["started_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    pg = EmbeddedPostgres(run.work / "pg")
    say("starting embedded PostgreSQL ...", flush=True)
    admin_url = await asyncio.to_thread(pg.start)
    run.pg_pid = postmaster_pid(pg.pgdata)
    try:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute("CREATE DATABASE railguard_bench")
            run.results["machine"]["postgresql"] = await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()
        db_url = admin_url.rsplit("/", 1)[0] + "/railguard_bench"
        await migrate_up(db_url)
        await _scenarios(args, run, db_url, say)
    finally:
        run.stop_all()
        await asyncio.to_thread(pg.stop, "fast")


async def _scenarios(args: argparse.Namespace, run: Run, db_url: str, say: Any) -> None:
    port, noop_port = free_port(), free_port()
    workers = ["--workers", str(args.workers)] if args.workers else []
    server = run.spawn(
        "server", [PY, "-m", "railguard.server", "serve", "--port", str(port), *workers],
        {"RAILGUARD_DATABASE_URL": db_url, "RAILGUARD_PUBLIC_URL": f"http://127.0.0.1:{port}",
         "RAILGUARD_ARGON2_MEMORY_KIB": "1024", "RAILGUARD_ARGON2_TIME_COST": "1",
         "RAILGUARD_LOG_LEVEL": "WARNING", "RAILGUARD_DEFAULT_KEY_RATE_PER_MINUTE": "100000000"},
    )  # fmt: skip
    noop = run.spawn("noop", [PY, "-m", "bench.noop_server", str(noop_port)])
    url, noop_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{noop_port}"
    await asyncio.to_thread(wait_http, url + "/api/v1/health", server)
    await asyncio.to_thread(wait_http, noop_url + "/health", noop)
    backend = await setup_backend(url)

    app_root = run.work / "editor-repo"
    sdk_events.write_app(app_root)
    small, large = await asyncio.to_thread(sdk_events.capture, app_root)
    templates = {}
    for name, tpl in (("small", small), ("large", large)):
        templates[name] = run.work / f"template-{name}.json"
        templates[name].write_text(json.dumps(tpl.to_json()))
    run.results["event_bytes"] = {
        "small": len(small.envelope.split(b"\n", 2)[2]),
        "large": len(large.envelope.split(b"\n", 2)[2]),
    }

    steps: list[tuple[str, Any]] = [
        ("HTTP ceiling (no-op aiohttp handler)",
         lambda: scenario_http_ceiling(run, noop_url, templates, backend)),
        ("PostgreSQL ceiling (batched COPY)", lambda: _copy_ceilings(run, db_url, small, large)),
        ("ingest, small and large events",
         lambda: scenario_ingest(run, backend, templates, server.popen.pid, args.profile)),
        ("acknowledgement latency at half the maximum",
         lambda: scenario_latency(run, backend, templates, server.popen.pid)),
        ("ingest -> editor", lambda: scenario_ingest_to_editor(run, backend, app_root, templates)),
        ("editor query on 10k incidents / 1M events",
         lambda: scenario_editor_query(run, backend, db_url, run.work / "seeded-repo")),
        ("language server: placement", lambda: _sync(scenario_placement, run)),
        ("language server: memory",
         lambda: scenario_lsp_memory(run, backend, run.work / "seeded-repo")),
    ]  # fmt: skip
    for title, step in steps:
        if args.only and not any(o in title for o in args.only):
            continue
        began = time.perf_counter()
        say(f"- {title} ...", flush=True)
        try:
            await step()
        except Exception as exc:  # report what ran; a failing scenario must not hide the rest
            run.results.setdefault("failures", {})[title] = f"{type(exc).__name__}: {exc}"
            say(f"  FAILED: {type(exc).__name__}: {exc}", flush=True)
        say(f"  ({time.perf_counter() - began:.1f} s)", flush=True)
        if server.popen.poll() is not None:
            raise RuntimeError(f"the server died:\n{server.log.read_text()[-3000:]}")


async def _copy_ceilings(
    run: Run, db_url: str, small: sdk_events.Template, large: sdk_events.Template
) -> None:
    q = run.quick
    run.results["ceiling_copy_small"] = await copy_ceiling(db_url, small, 5000 if q else 20_000)
    run.results["ceiling_copy_large"] = await copy_ceiling(db_url, large, 1000 if q else 4000)


async def _sync(fn: Any, *args: Any) -> None:
    fn(*args)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument("--profile", action="store_true", help="py-spy the server under load")
    parser.add_argument("--only", action="append", help="run scenarios whose title has this")
    parser.add_argument(
        "--rate", type=float, help="latency scenario at this rate (default: half max)"
    )
    parser.add_argument("--workers", type=int, help="railguard serve --workers (default: its own)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="railguard-bench-"))
    if os.geteuid() == 0:
        work.chmod(0o755)  # the embedded PostgreSQL runs as its own user and needs to enter
    run = Run(work=work, quick=args.quick, rate=args.rate)
    began = time.perf_counter()
    try:
        asyncio.run(main_async(args, run))
    finally:
        run.results["total_seconds"] = round(time.perf_counter() - began, 1)
        args.out.write_text(json.dumps(run.results, indent=2, default=str) + "\n")
        print()  # noqa: T201
        done = "ingest_small" in run.results or "latency_half_max" in run.results
        print(table(run.results) if done else "(incomplete run)")  # noqa: T201
        print(f"\nresults: {args.out}  ({run.results['total_seconds']} s)")  # noqa: T201
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work directory kept: {work}")  # noqa: T201


if __name__ == "__main__":
    main()
