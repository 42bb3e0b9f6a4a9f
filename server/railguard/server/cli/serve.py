"""`railguard serve`: database, migrations, then the HTTP server, with next steps printed.

With `--workers N` (N > 1) the parent migrates once, then forks N worker processes that each run
the whole application (their own pool, group-commit writer and live hub) on the same port with
`SO_REUSEPORT`, so the kernel spreads connections over them. The live feed is LISTEN/NOTIFY
driven, so every worker delivers every change; the ingest key cache and the per-key rate limit
are per worker (a key may send up to N times its per-minute limit in all). SIGTERM or SIGINT to
the parent stops every worker gracefully (each commits what it queued), then the parent stops
the embedded PostgreSQL it started. Workers die with the parent (`PR_SET_PDEATHSIG` on Linux, a
parent-pid watch elsewhere), so they never outlive it as orphans.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

from aiohttp import web

from railguard.server.app import create_app
from railguard.server.cli.database import database_url
from railguard.server.cli.output import CliError
from railguard.server.migrations import migrate_up
from railguard.server.settings import Settings

log = logging.getLogger(__name__)

_NEXT_STEPS = """\
Railguard is serving on http://{host}:{port}  (database: {where}{workers})

Next steps, in another terminal:
  1. Create a user:
       printf '%s\\n' 'a long passphrase' |
         .venv/bin/railguard user create --email you@example.com --password-stdin
  2. Create a project for your repository; it prints the DSN:
       .venv/bin/railguard project create --name shop \\
         --repo git@github.com:acme/shop.git --owner you@example.com
  3. Point your app's Sentry SDK at that DSN:  sentry_sdk.init(dsn="<the DSN>")
  4. Log the editor in:  .venv/bin/railguard login   (then enable the Neovim or VS Code client)
Health: curl http://{host}:{port}/api/v1/health
"""

_STOP_TIMEOUT = 30.0  # the workers' own graceful shutdown is bounded by shutdown_timeout=10
_PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """One worker process per core, at most two (measured on a 2-core box; see BENCHMARKS.md)."""
    return max(1, min(2, os.cpu_count() or 1))


def serve(
    settings: Settings, *, host: str | None, port: int | None, workers: int | None = None
) -> None:
    host = host or settings.host
    port = settings.port if port is None else port
    count = default_workers() if workers is None else max(1, workers)
    with database_url(settings) as url:
        asyncio.run(migrate_up(url))
        where = "RAILGUARD_DATABASE_URL" if settings.database_url else f"embedded, {settings.home}"
        settings = settings.model_copy(update={"database_url": url})
        if count == 1:
            _announce(host, port, where, count)
            _run(settings, host, port, reuse_port=False)
            return
        with _reserved_port(host, port) as bound:
            _announce(host, bound, where, count)
            code = _supervise(settings, host, bound, count)
        if code:
            raise SystemExit(code)


def _announce(host: str, port: int, where: str, count: int) -> None:
    workers = f", {count} worker processes" if count > 1 else ""
    sys.stderr.write(_NEXT_STEPS.format(host=host, port=port, where=where, workers=workers))
    sys.stderr.flush()


def _run(settings: Settings, host: str, port: int, *, reuse_port: bool) -> None:
    app = create_app(settings)
    app.on_startup.append(_freeze_gc)  # after the pool, writer and live hub have started
    web.run_app(
        app,
        host=host,
        port=port,
        print=None,
        access_log=None,
        shutdown_timeout=10,
        keepalive_timeout=75,
        handle_signals=True,
        reuse_port=reuse_port or None,
    )


async def _freeze_gc(app: web.Application) -> None:
    """Move everything alive after startup (modules, models, the app) out of the collector's
    reach: full collections then scan only what requests allocate, not ~70k startup objects
    (a full pass took 58-106 ms under load and was a visible part of the p99 acknowledgement)."""
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def _reserved_port(host: str, port: int) -> Iterator[int]:
    """Bind (not listen) a reuse-port socket: it fails fast when the port is taken, turns port 0
    into a real one that every worker then shares, and is closed once the workers are gone."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        yield int(sock.getsockname()[1])


def _supervise(settings: Settings, host: str, port: int, count: int) -> int:
    """Fork the workers, forward SIGTERM/SIGINT to them, and reap them all; the exit code."""
    parent = os.getpid()
    children: set[int] = set()
    stopping = False

    def stop(signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    code = 0
    try:
        for _ in range(count):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the worker (covered by the CLI test)
                _worker(settings, host, port, parent, previous)
            children.add(pid)
        deadline: float | None = None
        while children:
            if stopping and deadline is None:
                deadline = time.monotonic() + _STOP_TIMEOUT
            pid, status = _wait_any(deadline)
            if pid == 0:  # the workers overran their shutdown: end them
                for child in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(child, signal.SIGKILL)
                deadline = None
                continue
            children.discard(pid)
            exit_code = os.waitstatus_to_exitcode(status)
            if not stopping:  # a worker stopped by itself: the others follow
                if exit_code != 0:
                    log.error("worker %d exited (%d); stopping the others", pid, exit_code)
                    code = exit_code if exit_code > 0 else 1
                stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def _wait_any(deadline: float | None) -> tuple[int, int]:
    """Reap one worker; (0, 0) when `deadline` passes first."""
    while True:
        if deadline is None:
            return os.waitpid(-1, 0)
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid or time.monotonic() >= deadline:
            return pid, status
        time.sleep(0.05)


def _worker(
    settings: Settings, host: str, port: int, parent: int, previous: dict[signal.Signals, Any]
) -> None:
    """A forked worker: serve until told to stop, then leave without running the parent's
    cleanup (the embedded PostgreSQL belongs to the parent)."""
    code = 0
    try:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _die_with_parent(parent)
        _run(settings, host, port, reuse_port=True)
    except BaseException:  # noqa: BLE001 - report anything, then leave with a failure code
        log.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent(parent: int) -> None:
    """Get SIGTERM when the parent dies (even by SIGKILL), so no worker is left orphaned."""
    armed = False
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    if os.getppid() != parent:  # the parent died before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)
