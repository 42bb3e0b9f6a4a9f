"""Bench plumbing: processes, runs, health waits, load generators, CPU accounting, profiling."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from testkit.api import create_project, sign_up
from testkit.served import ServedBackend

from bench.cpu import tree_cpu, tree_cpu_split

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PY = sys.executable


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


class Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass
class Run:
    work: Path
    quick: bool
    procs: list[Stoppable] = field(default_factory=list)
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

    def serve(
        self, db_url: str, workers: int | None, env: dict[str, str] | None = None
    ) -> ServedBackend:
        """`railguard serve` for the whole run, stopped with the other processes."""
        server = ServedBackend(
            db_url, self.work / "server.log", workers=workers, health_timeout=60,
            env={"RAILGUARD_DEFAULT_KEY_RATE_PER_MINUTE": "100000000", **(env or {})},
        )  # fmt: skip
        self.procs.append(server)
        return server.start()

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


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
    async with aiohttp.ClientSession() as session:
        token = await sign_up(session, url, "bench")
        projects = {
            name: await create_project(session, url, token, name, f"github.com/bench/{name}")
            for name in ("ingest", "editor", "seeded")
        }
    return Backend(url, token, projects)


# --- ceilings ----------------------------------------------------------------------------------


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
