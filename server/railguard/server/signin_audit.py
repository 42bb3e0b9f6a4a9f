"""Sign-in events into the audit log: sign-ins through a provider, device approvals and the
tokens they issue, token revocations, access-request decisions. One entry per organisation the
person belongs to (`audit.record_for_user`)."""

from __future__ import annotations

from railguard.server import audit
from railguard.server.db import Executor


async def record(db: Executor, event: str, *, user_id: int, **details: object) -> None:
    await audit.record_for_user(
        db, actor_id=user_id, action=event.replace("_", ".", 1), detail=dict(details)
    )
