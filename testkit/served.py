"""`railguard serve` as its own process, for the tests and the benchmarks.

One home for what both need: a free port, a wait for `/api/v1/health` that reports the server's
log when it dies or never answers, and `ServedBackend`, which starts the real command with cheap
Argon2 and quiet logs, and can be killed (SIGKILL, no graceful shutdown) and started again on
the same port, where clients expect it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(
    url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    """Return once `url` answers 200; raise with the log's tail if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


class ServedBackend:
    """`railguard serve` on a fixed port: on `database_url`, or on the embedded PostgreSQL of
    `RAILGUARD_HOME` when it is None. `env` adds settings; `workers` is `serve --workers`."""

    def __init__(
        self,
        database_url: str | None,
        log: Path,
        *,
        port: int | None = None,
        workers: int | None = None,
        env: Mapping[str, str] | None = None,
        health_timeout: float = 30,
    ) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.workers = workers
        self.env = dict(env or {})
        self.health_timeout = health_timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> ServedBackend:
        env = {
            **os.environ,
            "RAILGUARD_PUBLIC_URL": self.url,
            "RAILGUARD_ARGON2_MEMORY_KIB": "1024",
            "RAILGUARD_ARGON2_TIME_COST": "1",
            "RAILGUARD_LOG_LEVEL": "WARNING",
            **self.env,
        }
        if self.database_url is None:
            env.pop("RAILGUARD_DATABASE_URL", None)
        else:
            env["RAILGUARD_DATABASE_URL"] = self.database_url
        argv = [sys.executable, "-m", "railguard.server", "serve", "--port", str(self.port)]
        if self.workers:
            argv += ["--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        wait_for_health(f"{self.url}/api/v1/health", self.process, self.log, self.health_timeout)
        return self

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, connections just drop."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM and wait (the graceful path); SIGKILL after `timeout` seconds."""
        if not self.running():
            return
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
