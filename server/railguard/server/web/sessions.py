"""Browser sessions: minting, looking up and revoking the secret a sign-in cookie carries.

The cookie value is a random secret; the database keeps only its SHA-256, so a leaked table does
not sign anyone in. Every session has its own CSRF secret (the synchronizer token its forms echo).
Sign-in methods other than the password (single sign-on) call `start` with their own `method`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import NotFound

LIFETIME = timedelta(days=14)


@dataclass(frozen=True)
class WebSession:
    id: int
    user_id: int
    email: str
    display_name: str
    csrf_token: str


def token_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def start(
    db: Executor, *, user_id: int, method: str, user_agent: str, address: str
) -> tuple[str, datetime]:
    """A new session for a person who just proved who they are: (cookie secret, expiry)."""
    secret = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + LIFETIME
    await queries.create_web_session(
        db, user_id=user_id, token_hash=token_hash(secret), csrf_secret=secrets.token_urlsafe(32),
        method=method, user_agent=user_agent[:500], address=address, expires_at=expires_at,
    )  # fmt: skip
    return secret, expires_at


async def lookup(db: Executor, secret: str) -> WebSession | None:
    if not secret or len(secret) > 100:
        return None
    row = await queries.lookup_web_session(db, token_hash=token_hash(secret))
    if row is None:
        return None
    return WebSession(row["session_id"], row["id"], row["email"], row["display_name"],
                      row["csrf_secret"])  # fmt: skip


async def list_sessions(db: Executor, user_id: int) -> list[asyncpg.Record]:
    return await fetch_all(queries.list_web_sessions(db, user_id=user_id))


async def revoke(db: Executor, *, user_id: int, session_id: int) -> None:
    if await queries.revoke_web_session(db, user_id=user_id, session_id=session_id) is None:
        raise NotFound("No such session.")
