"""Where sign-in events would enter the audit log: sign-ins through a provider, device
approvals and the tokens they issue, token revocations. Records nothing until the audit log
is wired here."""

from __future__ import annotations

from railguard.server.db import Executor


async def record(db: Executor, event: str, *, user_id: int, **details: object) -> None:
    return None
