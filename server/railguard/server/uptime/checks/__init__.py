"""Checks: one coroutine per kind, each returning a `CheckResult` and never raising for a
failure of the target (a refused connection, a timeout, a wrong answer are all results).
Every kind is imported here, up front: a first import inside a running server would stall its
event loop (and every check due meanwhile)."""

from __future__ import annotations

import asyncio
import time

from railguard.server.uptime.checks import dns, http, ping, tcp
from railguard.server.uptime.checks.result import CheckResult, failed
from railguard.wire import uptime as u

__all__ = ["CheckResult", "failed", "run_check"]


async def run_check(check: u.HttpCheck | u.TcpCheck | u.PingCheck | u.DnsCheck,
                    timeout: float) -> CheckResult:  # fmt: skip
    """Run one check, bounded by `timeout` seconds in all (a hung target is a failure)."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            if isinstance(check, u.HttpCheck):
                return await http.check(check, timeout)
            if isinstance(check, u.TcpCheck):
                return await tcp.check(check)
            if isinstance(check, u.PingCheck):
                return await ping.check(check, timeout)
            return await dns.check(check, timeout)
    except TimeoutError:
        return failed(f"timed out after {timeout:g} s", (time.perf_counter() - started) * 1000)
    except OSError as exc:
        return failed(exc.strerror or str(exc), (time.perf_counter() - started) * 1000)
