"""TCP check: the connection must be accepted; latency is the connect time."""

from __future__ import annotations

import asyncio
import time

from railguard.server.uptime.checks.result import CheckResult, failed
from railguard.wire import uptime as u


async def check(spec: u.TcpCheck) -> CheckResult:
    started = time.perf_counter()
    try:
        _, writer = await asyncio.open_connection(spec.host, spec.port)
    except OSError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return failed(f"connect to {spec.host}:{spec.port}: {exc.strerror or exc}", elapsed)
    elapsed = (time.perf_counter() - started) * 1000
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return CheckResult(True, elapsed)
