"""`railguard serve`: claim the port, then the database and migrations, then the HTTP server.

The listening socket is bound first, by the parent, without `SO_REUSEPORT`: a port that is
taken (by anything, including another `railguard serve`) is an error before PostgreSQL is
created, started or migrated. With `--workers N` (N > 1) the parent then forks N worker
processes that inherit that one socket and accept from it; each runs the whole application
(its own pool, group-commit writer, live hub). The live feed is LISTEN/NOTIFY driven, so every
worker delivers every change.

Stopping: SIGTERM or SIGINT to the parent stops every worker gracefully (each commits what it
queued), then the parent stops the embedded PostgreSQL it started. Workers ignore SIGINT, which
a terminal's Ctrl-C sends to the whole process group, and act on the parent's SIGTERM once, so a
Ctrl-C is one quiet shutdown. Workers die with the parent (`PR_SET_PDEATHSIG` on Linux, a
parent-pid watch elsewhere), so they never outlive it as orphans.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
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

from aiohttp import web

from railguard.server.app import create_app
from railguard.server.cli.database import database_url
from railguard.server.cli.output import CliError
from railguard.server.migrations import migrate_up
from railguard.server.settings import Settings, served_url

log = logging.getLogger(__name__)

_NEXT_STEPS = """\
Railguard is serving on {served}  (database: {where}{workers})
{public}
Next steps, in another terminal:
  1. Create a user:
       printf '%s\\n' 'a long passphrase' |
         .venv/bin/railguard user create --email you@example.com --password-stdin
  2. Create a project for your repository; it prints the DSN:
       .venv/bin/railguard project create --name shop \\
         --repo git@github.com:acme/shop.git --owner you@example.com
  3. Point your app's Sentry SDK at that DSN:  sentry_sdk.init(dsn="<the DSN>")
  4. Log the editor in:  .venv/bin/railguard login   (then enable the Neovim or VS Code client)
Health: curl {served}/api/v1/health
"""

_STOP_TIMEOUT = 30.0  # the workers' own graceful shutdown is bounded by shutdown_timeout=10
_PR_SET_PDEATHSIG = 1
_BACKLOG = 1024


def default_workers() -> int:
    """One worker process per core, at most two (measured on a 2-core box; see BENCHMARKS.md)."""
    return max(1, min(2, os.cpu_count() or 1))


def serve(
    settings: Settings, *, host: str | None, port: int | None, workers: int | None = None
) -> None:
    host = host or settings.host
    port = settings.port if port is None else port
    count = default_workers() if workers is None else workers
    if count < 1:
        raise CliError(f"--workers must be at least 1, not {count}")
    with bind_listener(host, port) as sock:
        bound = int(sock.getsockname()[1])
        settings = settings.model_copy(update={"host": host, "port": bound})
        with database_url(settings, announce=True) as url:
            log.info("applying database migrations")
            asyncio.run(migrate_up(url))
            where = (
                "RAILGUARD_DATABASE_URL" if settings.database_url else f"embedded, {settings.home}"
            )
            settings = settings.model_copy(
                update={"database_url": url, "public_url": settings.public_base}
            )
            _announce(settings, served_url(host, bound), where, count)
            if count == 1:
                _run(settings, sock, stop_signals=(signal.SIGINT, signal.SIGTERM))
                return
            code = _supervise(settings, sock, count)
        if code:
            raise SystemExit(code)


def banner_public_line(public: str, served: str) -> str:
    if public == served:
        return f"DSNs and editor links use {public}"
    return (
        f"DSNs and editor links use {public} (RAILGUARD_PUBLIC_URL), not {served} where this "
        "server listens: make sure that address reaches it"
    )


def _announce(settings: Settings, served: str, where: str, count: int) -> None:
    workers = f", {count} worker processes" if count > 1 else ""
    public = banner_public_line(settings.public_base, served)
    sys.stderr.write(_NEXT_STEPS.format(served=served, where=where, workers=workers, public=public))
    sys.stderr.flush()


@contextlib.contextmanager
def bind_listener(host: str, port: int) -> Iterator[socket.socket]:
    """The server's one listening socket, bound now. No `SO_REUSEPORT`: with it a second server
    would share the port and silently split the traffic. `SO_REUSEADDR` only lets a restart
    bind while old connections linger in TIME_WAIT."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            hint = (
                " (is another `railguard serve` running?)" if exc.errno == errno.EADDRINUSE else ""
            )
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from None
        sock.set_inheritable(True)
        yield sock
    finally:
        sock.close()


def _run(settings: Settings, sock: socket.socket, *, stop_signals: tuple[int, ...]) -> None:
    """Serve on `sock` until one of `stop_signals` arrives, then stop gracefully once (later
    signals are ignored, so a second Ctrl-C cannot interrupt the shutdown half-way)."""
    asyncio.run(_serve_until_signalled(settings, sock, stop_signals))


async def _serve_until_signalled(
    settings: Settings, sock: socket.socket, stop_signals: tuple[int, ...]
) -> None:
    app = create_app(settings)
    app.on_startup.append(_freeze_gc)  # after the pool, writer and live hub have started
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in stop_signals:
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(
        app, handle_signals=False, access_log=None, shutdown_timeout=10, keepalive_timeout=75
    )
    await runner.setup()
    try:
        await web.SockSite(runner, sock, backlog=_BACKLOG).start()
        await stop.wait()
    finally:
        await runner.cleanup()


async def _freeze_gc(app: web.Application) -> None:
    """Move everything alive after startup (modules, models, the app) out of the collector's
    reach: full collections then scan only what requests allocate, not ~70k startup objects
    (a full pass took 58-106 ms under load and was a visible part of the p99 acknowledgement)."""
    gc.collect()
    gc.freeze()


def _supervise(settings: Settings, sock: socket.socket, count: int) -> int:
    """Fork the workers, forward SIGTERM/SIGINT to them, and reap them all; the exit code."""
    parent = os.getpid()
    children: set[int] = set()
    stopping = False

    def stop(signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        nonlocal stopping
        if stopping:
            return
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
                _worker(settings, sock, parent)
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


def _worker(settings: Settings, sock: socket.socket, parent: int) -> None:
    """A forked worker: serve until told to stop, then leave without running the parent's
    cleanup (the embedded PostgreSQL belongs to the parent)."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it sends SIGTERM
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _die_with_parent(parent)
        _run(settings, sock, stop_signals=(signal.SIGTERM,))
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
