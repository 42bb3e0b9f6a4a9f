"""Checks: one coroutine per kind, each returning a `CheckResult` and never raising for a
failure of the target (a refused connection, a timeout, a wrong answer are all results)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

from railguard.wire import uptime as u


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    latency_ms: float | None
    error: str | None = None
    cert_expires_at: datetime | None = None


def failed(error: str, latency_ms: float | None = None) -> CheckResult:
    return CheckResult(False, latency_ms, error[:2000])


async def run_check(check: u.HttpCheck | u.TcpCheck | u.PingCheck | u.DnsCheck,
                    timeout: float) -> CheckResult:  # fmt: skip
    """Run one check, bounded by `timeout` seconds in all (a hung target is a failure)."""
    from railguard.server.uptime.checks import dns, http, ping, tcp

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
