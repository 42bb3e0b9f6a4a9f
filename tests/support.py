"""Helpers shared by the test folders: HTTP accounts and projects, a served backend's handle,
free ports and health waits. Fixtures live in conftest.py; tests import helpers from here
(never from a conftest, whose module name is shared by every folder's conftest)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp.test_utils import TestClient


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def pg_home(base: Path) -> Path:
    """A folder for an embedded cluster under a test's temporary `base`. As root the cluster
    runs as a system user, which Railguard never lets through closed folders; pytest makes its
    temporary folders 0700, so the test opens its own (execute only, no listing) up to /tmp."""
    if os.geteuid() == 0:
        for folder in [base, *base.parents]:
            if folder == Path(tempfile.gettempdir()) or folder == folder.parent:
                break
            folder.chmod(folder.stat().st_mode | 0o001)
    return base / "pg"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Account:
    id: int
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """Helpers that set up state through the public API, as a user would."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    async def account(self, email: str | None = None, password: str = "correct horse") -> Account:
        email = email or f"user-{secrets.token_hex(4)}@example.com"
        resp = await self.client.post(
            "/api/v1/auth/signup", json={"email": email, "password": password}
        )
        assert resp.status == 201, await resp.text()
        user = await resp.json()
        resp = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert resp.status == 201, await resp.text()
        return Account(user["id"], email, (await resp.json())["token"])

    async def project(
        self, owner: Account, repository: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        repository = repository or f"github.com/acme/app-{secrets.token_hex(3)}"
        resp = await self.client.post(
            "/api/v1/projects",
            json={"name": "app", "repository": repository, **extra},
            headers=owner.headers,
        )
        assert resp.status == 201, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body


class ServedBackend:
    """`railguard serve` as its own process on a fixed port and database; restartable, so
    fault tests can kill it and bring it back where clients expect it."""

    def __init__(self, database_url: str, port: int, log: Path) -> None:
        self.database_url = database_url
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServedBackend:
        env = {
            **os.environ,
            "RAILGUARD_DATABASE_URL": self.database_url,
            "RAILGUARD_PUBLIC_URL": self.url,
            "RAILGUARD_ARGON2_MEMORY_KIB": "1024",
            "RAILGUARD_ARGON2_TIME_COST": "1",
            "RAILGUARD_LOG_LEVEL": "WARNING",
        }
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "railguard.server", "serve", "--port", str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        wait_for_health(self.url, self.process, self._log)
        return self

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, connections just drop."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for_health(
    url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become healthy:\n{log.read_text()}")
