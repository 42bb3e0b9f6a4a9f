"""What a check returns: one result, never an exception for a failure of the target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    latency_ms: float | None
    error: str | None = None
    cert_expires_at: datetime | None = None


def failed(error: str, latency_ms: float | None = None) -> CheckResult:
    return CheckResult(False, latency_ms, error[:2000])
