"""Logging unhandled errors: one line per failed request, with an id the client also gets.

A bug that every request hits must not flood the log with thousands of identical tracebacks.
Each failure logs one ERROR line (`error <id> in GET /path: ValueError: ...`); the first
occurrence of each distinct error (exception type and the place it was raised) in this process
also logs its traceback, once, and repeats log their traceback only at DEBUG level.
"""

from __future__ import annotations

import logging
import secrets
import traceback

log = logging.getLogger("railguard.server.errors")

_SEEN_LIMIT = 1000
_seen: set[tuple[str, str, int]] = set()


def _signature(exc: BaseException) -> tuple[str, str, int]:
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return (type(exc).__qualname__, last.filename if last else "", last.lineno or 0 if last else 0)


def report(exc: BaseException, method: str, path: str) -> str:
    """Log `exc` as described above and return the error id to show the client."""
    error_id = secrets.token_hex(6)
    summary = (
        f"{type(exc).__name__}: {exc}".splitlines()[0][:300] if str(exc) else type(exc).__name__
    )
    signature = _signature(exc)
    first = signature not in _seen
    if first:
        if len(_seen) >= _SEEN_LIMIT:
            _seen.clear()
        _seen.add(signature)
    log.error("error %s in %s %s: %s", error_id, method, path[:200], summary,
              exc_info=exc if first else None)  # fmt: skip
    if not first and log.isEnabledFor(logging.DEBUG):
        log.debug("error %s traceback", error_id, exc_info=exc)
    return error_id
