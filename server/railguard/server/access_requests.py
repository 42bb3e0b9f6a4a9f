"""Access requests: people asking to be let in while sign-up is by invitation.

Anyone may ask; the answer never says whether the address already has an account or a
request. The instance's administrators (until roles exist: the first account and project
owners) approve or decline; an approved address may then sign up through a sign-in provider
(`sso.accounts.invited`).
"""

from __future__ import annotations

import asyncpg

from railguard.server import signin_audit
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Forbidden, Invalid, NotFound


def clean_email(raw: str) -> str:
    email = raw.strip()
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(email) > 320
        or any(c.isspace() for c in email)
    ):
        raise Invalid("Enter an email address such as ada@example.com.", code="invalid_email")
    return email


async def ask(db: Executor, *, email: str, name: str, reason: str) -> None:
    await queries.create_access_request(
        db, email=clean_email(email), name=name.strip()[:200], reason=reason.strip()[:2000]
    )


async def require_admin(db: Executor, user_id: int) -> None:
    if not await queries.is_instance_admin(db, user_id=user_id):
        raise Forbidden("Only the server's administrators decide access requests.")


async def pending_and_recent(db: Executor) -> list[asyncpg.Record]:
    return await fetch_all(queries.list_access_requests(db))


async def decide(db: Executor, *, request_id: int, user_id: int, approve: bool) -> None:
    row = await queries.decide_access_request(
        db, request_id=request_id, user_id=user_id, status="approved" if approve else "declined"
    )
    if row is None:
        raise NotFound("No such pending request.")
    await signin_audit.record(db, "access_request_" + row["status"], user_id=user_id,
                              email=row["email"])  # fmt: skip
