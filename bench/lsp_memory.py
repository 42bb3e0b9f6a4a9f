"""The language server's memory with 10,000 open incidents, and its publish time after an edit.

Used by `python -m bench`, and run as `python -m bench.lsp_memory` by
`tests/lsp/test_memory.py` (a `slow` test, against `railguard serve` on a fresh test database;
the command prints the figures as JSON). Pieces:

- `write_workspace`: a git repository with the 5,000-line hot file (`bench.seed.HOT_PATH`),
  2,000 crash-site modules and 520 caller modules, whose origin is the project's repository;
- `seed_realistic`: 10,000 open incidents bulk-inserted with SQL, each with a 20-frame stack
  (6 library frames, 13 in-app callers, the crash frame) and Sentry's 11 context lines (5 + 1 +
  5) on *every* frame, as the Python SDK sends them; 200 crash in the hot file;
- `measure`: starts `python -m railguard.lsp` over stdio, opens the hot file, waits until its
  200 diagnostics are published, reads VmRSS, then times edit → republished diagnostics.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench.lsp_client import LspClient, rss_kib
from bench.seed import HOT_PATH, file_text, line_text, seeded_path

CRASH_FILES = 2000
CALLER_LAYERS = 13
CALLERS_PER_LAYER = 40
CALLER_LINES = 200
MODULE_LINES = 200
HOT_LINES = 5000
HOT_INCIDENTS = 200


def caller_path(layer: int, n: int) -> str:
    return f"src/app/layer_{layer:02d}/service_{n:02d}.py"


def write_workspace(root: Path) -> None:
    """The files of the seeded repository (commit it with the caller's git helper)."""
    hot = root / HOT_PATH
    hot.parent.mkdir(parents=True, exist_ok=True)
    hot.write_text(file_text(HOT_LINES))
    module = file_text(MODULE_LINES)
    for n in range(CRASH_FILES):
        path = root / seeded_path(n)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(module)
    caller = file_text(CALLER_LINES)
    for layer in range(CALLER_LAYERS):
        for n in range(CALLERS_PER_LAYER):
            path = root / caller_path(layer, n)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(caller)


# One frame as the writer stores it. `$L` is its line; its context quotes `line_text`, which is
# what every seeded file holds, so placement finds the frames exactly at the seeded commit.
_FRAME_SQL = """
jsonb_build_object(
    'path', {path}, 'original_path', '/srv/app/' || {path}, 'module', {module},
    'function', {function}, 'line', {line}, 'column', NULL, 'in_app', {in_app},
    'context_line', format('    total_%s = compute(%s, rate=%s)', {line}, {line}, {line} % 7),
    'pre_context', (SELECT coalesce(jsonb_agg(format('    total_%s = compute(%s, rate=%s)',
                       k, k, k % 7) ORDER BY k), '[]')
                    FROM generate_series(greatest(1, {line} - 5), {line} - 1) k),
    'post_context', (SELECT coalesce(jsonb_agg(format('    total_%s = compute(%s, rate=%s)',
                        k, k, k % 7) ORDER BY k), '[]')
                     FROM generate_series({line} + 1, least({lines}, {line} + 5)) k))
"""


def _library_frame(j: int) -> str:
    path = f"'../lib/python3.12/site-packages/framework/layer_{j}.py'"
    return _FRAME_SQL.format(
        path=path, module=f"'framework.layer_{j}'", function=f"'dispatch_{j}'",
        line=f"(40 + {j} * 17)", in_app="false", lines=1000,
    )  # fmt: skip


def _caller_frame(layer: int) -> str:
    path = (
        f"'src/app/layer_{layer:02d}/service_' || lpad(((g * {layer + 3}) % "
        f"{CALLERS_PER_LAYER})::text, 2, '0') || '.py'"
    )
    return _FRAME_SQL.format(
        path=path, module=f"'app.layer_{layer:02d}'", function=f"'handle_{layer}'",
        line=f"(1 + (g * 7 + {layer * 13}) % {CALLER_LINES})", in_app="true",
        lines=CALLER_LINES,
    )  # fmt: skip


async def seed_realistic(
    conn: asyncpg.Connection, project_id: int, commit: str, *, incidents: int = 10_000
) -> int:
    """Insert `incidents` open incidents (see the module docstring); returns the max seq."""
    crash = _FRAME_SQL.format(
        path="f.path", module="'app.crash'", function="'crash_' || (g % 50)", line="f.line",
        in_app="true", lines="f.lines",
    )  # fmt: skip
    frames = [_library_frame(j) for j in range(6)] + [_caller_frame(k) for k in range(13)]
    stack = " || ".join(f"jsonb_build_array({f})" for f in frames)
    await conn.execute(
        f"""
        INSERT INTO incidents (project_id, grouping_version, fingerprint, grouping_parts, status,
            level, error_type, message, environments, event_count, first_seen, last_seen,
            first_commit, latest_commit, frame_path, frame_line, frame_column, top_frame,
            latest_stack, latest_event_id, change_seq, change_kind)
        SELECT $1, 1, md5('memory-' || g), '["seed"]'::jsonb, 'open',
               CASE WHEN g % 5 = 0 THEN 'warning' ELSE 'error' END,
               'Seed' || (g % 97) || 'Error',
               'seeded failure number ' || g || ' while handling order ' || md5(g::text),
               CASE WHEN g % 3 = 0 THEN '{{production,staging}}'::text[]
                    ELSE '{{production}}'::text[] END,
               1 + g % 500, now() - interval '30 days' + g * interval '1 second',
               now() - g * interval '1 second', $2::text, $2::text, f.path, f.line, NULL,
               c.frame, ({stack}) || jsonb_build_array(c.frame),
               gen_random_uuid(), nextval('incident_change_seq'), 'new'
        FROM generate_series(0, $3::int - 1) g,
             LATERAL (SELECT CASE WHEN g < $4::int THEN $5::text
                                  ELSE 'src/pkg_' || lpad(((g % $6::int) / 100)::text, 2, '0')
                                       || '/module_' || lpad((g % $6::int)::text, 4, '0')
                                       || '.py' END AS path,
                             CASE WHEN g < $4::int THEN 1 + (g * 37) % $7::int
                                  ELSE 1 + (g * 37) % $8::int END AS line,
                             CASE WHEN g < $4::int THEN $7::int ELSE $8::int END AS lines) f,
             LATERAL (SELECT {crash} AS frame) c
        """,
        project_id, commit, incidents, HOT_INCIDENTS, HOT_PATH, CRASH_FILES, HOT_LINES,
        MODULE_LINES,
    )  # fmt: skip
    await conn.execute("ANALYZE incidents")
    seq = await conn.fetchval("SELECT max(change_seq) FROM incidents")
    await conn.execute("SELECT pg_notify('railguard_changes', $1)", str(seq))
    return int(seq)


def lsp_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
    return {**env, "XDG_CONFIG_HOME": str(home / "xdg"), "HOME": str(home)}


async def measure(
    *,
    url: str,
    token: str,
    project_id: int,
    root: Path,
    home: Path,
    edits: int = 10,
    debounce: float = 0.2,
    argv: list[str] | None = None,
) -> dict[str, Any]:
    """RSS of a language server that has loaded the project and published the hot file, and
    the time from each edit of that file to its republished diagnostics (minus `debounce`)."""
    hot = root / HOT_PATH
    text = hot.read_text()
    verbose = ["-v"] if os.environ.get("BENCH_LSP_VERBOSE") else []
    # `BENCH_LSP_CPROFILE=out.prof`: the whole server run under cProfile (written at exit).
    cprofile = os.environ.get("BENCH_LSP_CPROFILE")
    wrap = ["-m", "cProfile", "-o", cprofile] if cprofile else []
    argv = argv or [sys.executable, *wrap, "-m", "railguard.lsp", *verbose]
    log = (home / "lsp-memory.log").open("wb")
    lsp = await LspClient.start(argv, lsp_env(home), stderr=log)
    try:
        # Idle: after the `initialize` handshake (all imports done), before `initialized`
        # starts connecting and loading incidents.
        initialize = lsp.initialize
        idle = 0

        def notify_after_idle(method: str, params: Any = None) -> None:
            nonlocal idle
            if method == "initialized":
                idle = rss_kib(lsp.pid)
                del lsp.notify
            lsp.notify(method, params)

        lsp.notify = notify_after_idle  # type: ignore[method-assign]
        await initialize(root, {"serverUrl": url, "token": token, "project": project_id})
        began = time.perf_counter()

        def loaded_all() -> bool:
            return any(
                m == "railguard/status" and sum(p["openIncidents"] for p in s["projects"]) > 0
                for _, m, s in lsp.notifications
            )

        await lsp.wait_for(loaded_all, 180)
        load_s = time.perf_counter() - began
        await asyncio.sleep(0.5)
        loaded = rss_kib(lsp.pid)
        began = time.perf_counter()
        uri = lsp.did_open(hot, text)
        await lsp.wait_for(lambda: len(lsp.diagnostics.get(uri, [])) >= HOT_INCIDENTS, 180)
        first_publish = time.perf_counter() - began
        await asyncio.sleep(1.0)
        status = await lsp.request(
            "workspace/executeCommand", {"command": "railguard.status", "arguments": []}
        )
        rss = rss_kib(lsp.pid)
        peak = _peak_kib(lsp.pid)
        hover_ms = await _hover_ms(lsp, uri, lsp.diagnostics[uri][0]["range"]["start"])
        edits = int(os.environ.get("BENCH_LSP_EDITS", edits))
        profiler = await _start_profiler(lsp.pid)
        # Time the server, not this process's collector: a full collection here (pytest, the
        # fixtures, every publish received so far) takes ~100 ms and landed in edits' timings.
        gc.collect()
        gc.freeze()
        cpu_before = _cpu_s(lsp.pid)
        timings = []
        for version in range(2, edits + 2):
            # 30 lines inserted near the top, then removed again: every incident moves.
            if version % 2 == 0:
                inserted = "".join(f"    inserted_{k} = helper({k})\n" for k in range(30))
                change = {"range": _range(100, 100), "text": inserted}
            else:
                change = {"range": _range(100, 130), "text": ""}
            before = len(lsp.notifications)
            lsp.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            sent = time.perf_counter()

            def republished(v: int = version, b: int = before) -> bool:
                return any(
                    m == "textDocument/publishDiagnostics"
                    and p["uri"] == uri
                    and p.get("version") == v
                    for _, m, p in lsp.notifications[b:]
                )

            done = await lsp.wait_for(republished, 30)
            timings.append(done - sent - debounce)
        cpu_per_edit = (_cpu_s(lsp.pid) - cpu_before) / edits
        after_edits = rss_kib(lsp.pid)
        await _stop_profiler(profiler)
    finally:
        gc.unfreeze()
        await lsp.close()
        log.close()
    return {
        "open_incidents": sum(p["openIncidents"] for p in status["projects"]),
        "idle_rss_mib": round(idle / 1024, 1),
        "loaded_rss_mib": round(loaded / 1024, 1),
        "rss_mib": round(rss / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_after_edits_mib": round(after_edits / 1024, 1),
        "load_s": round(load_s, 2),
        "first_publish_s": round(first_publish, 2),
        "diagnostics_in_file": len(lsp.diagnostics[uri]),
        "hover_ms": round(hover_ms, 1),
        "edit_to_publish_minus_debounce_ms": {
            "median": round(1000 * statistics.median(timings), 1),
            "p90": round(1000 * statistics.quantiles(timings, n=10)[-1], 1),
            "max": round(1000 * max(timings), 1),
        },
        # CPU the server spent per edit (receiving it, placing, publishing): unlike the
        # latency, not inflated when other processes compete for the cores.
        "server_cpu_ms_per_edit": round(1000 * cpu_per_edit, 1),
    }


async def _start_profiler(pid: int) -> asyncio.subprocess.Process | None:
    """`BENCH_LSP_PROFILE=out.svg` (or `.json`: speedscope): py-spy samples the language
    server during the edits (more of them with `BENCH_LSP_EDITS=100`)."""
    out = os.environ.get("BENCH_LSP_PROFILE")
    if not out:
        return None
    fmt = "speedscope" if out.endswith(".json") else "raw" if out.endswith(".txt") else "flamegraph"
    spy = Path(sys.executable).with_name("py-spy")
    proc = await asyncio.create_subprocess_exec(
        str(spy), "record", "--pid", str(pid), "--rate", "250", "--nonblocking",
        "--format", fmt, "-o", out,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.sleep(1.0)  # py-spy attaches
    return proc


async def _stop_profiler(proc: asyncio.subprocess.Process | None) -> None:
    if proc is not None:
        proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        await asyncio.wait_for(proc.wait(), 30)


def _range(start: int, end: int) -> dict[str, Any]:
    return {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}


def _cpu_s(pid: int) -> float:
    """User + system CPU time of a process so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def _hover_ms(lsp: LspClient, uri: str, position: dict[str, int]) -> float:
    began = time.perf_counter()
    result = await lsp.request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": position}
    )
    assert result is not None and "Open incident" in result["contents"]["value"], result
    return 1000 * (time.perf_counter() - began)


async def seeded_measure(
    *, url: str, token: str, project_id: int, database_url: str, root: Path, home: Path
) -> dict[str, Any]:
    """The workspace written and committed at `root` (origin `github.com/acme/big`), the
    project's incidents seeded at that commit, then `measure`."""
    root.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    write_workspace(root)
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}  # fmt: skip
    for args in (
        ["init", "-q", "-b", "main"],
        ["remote", "add", "origin", "git@github.com:acme/big.git"],
        ["add", "-A"],
        ["commit", "-q", "-m", "seeded"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    conn = await asyncpg.connect(database_url)
    try:
        await seed_realistic(conn, project_id, commit)
    finally:
        await conn.close()
    return await measure(
        url=url, token=token, project_id=project_id, root=root.resolve(), home=home
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a running backend")
    parser.add_argument("--token", required=True, help="a token of the project's owner")
    parser.add_argument("--project", type=int, required=True, help="the project id")
    parser.add_argument("--database-url", required=True, help="the backend's database")
    parser.add_argument("--root", type=Path, required=True, help="a new folder for the repo")
    parser.add_argument("--home", type=Path, required=True, help="a new folder for the server")
    a = parser.parse_args()
    result = asyncio.run(
        seeded_measure(
            url=a.url, token=a.token, project_id=a.project, database_url=a.database_url,
            root=a.root, home=a.home,
        )
    )  # fmt: skip
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()


__all__ = ["line_text", "measure", "seed_realistic", "seeded_measure", "write_workspace"]
