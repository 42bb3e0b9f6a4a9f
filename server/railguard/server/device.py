"""The device authorization grant (RFC 8628): codes for a device, a person's decision, tokens.

A device (the CLI, an editor) asks for a device code and a user code; a signed-in person types
the user code on the web page and approves or denies; the device polls the token endpoint with
its device code until it gets a scoped token, a refusal, or the codes expire. The facts the
clients rely on (alphabet, lifetimes, scopes, error codes) are in `docs/sign-in.md`.

Written by hand: the grant is a small state machine over one table, and the OAuth libraries at
hand implement it for a client, not for the authorization server of an aiohttp app.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg

from railguard.server import accounts, signin_audit
from railguard.server.db import Executor, queries
from railguard.server.errors import Invalid, NotFound, TooManyRequests
from railguard.wire import models as w

# RFC 8628 §6.1: consonants only (no vowels, so no words; no look-alikes such as 0/O, 1/I).
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
SCOPES = ("read", "triage", "admin")
DEFAULT_SCOPES = ("read", "triage")
SLOW_DOWN_STEP = 5  # seconds added to the interval by each too-early poll (§3.5)
STARTS_PER_ADDRESS = 20  # device sign-ins one address may start in ten minutes

Outcome = Literal[
    "authorization_pending", "slow_down", "expired_token", "access_denied", "invalid_grant"
]


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def display_user_code(code: str) -> str:
    """`BCDF-GHJK`: the form shown to people (the dash is not part of the code)."""
    return f"{code[:4]}-{code[4:]}"


def normalise_user_code(typed: str) -> str | None:
    """What a person typed, as a stored code: case, spaces and dashes ignored; None if it
    cannot be one (wrong length or a letter outside the alphabet)."""
    code = "".join(c for c in typed.upper() if c not in " -\t")
    if len(code) != USER_CODE_LENGTH or any(c not in USER_CODE_ALPHABET for c in code):
        return None
    return code


def parse_scopes(raw: str | None) -> tuple[str, ...]:
    """A space-separated `scope` parameter (RFC 6749 §3.3); absent means read + triage."""
    if raw is None or not raw.strip():
        return DEFAULT_SCOPES
    asked = raw.split()
    unknown = [s for s in asked if s not in SCOPES]
    if unknown:
        raise Invalid(f"Unknown scope {unknown[0]!r}; known: {' '.join(SCOPES)}.",
                      code="invalid_scope")  # fmt: skip
    return tuple(s for s in SCOPES if s in asked)


def _hash(device_code: str) -> bytes:
    return hashlib.sha256(device_code.encode()).digest()


@dataclass(frozen=True)
class Started:
    device_code: str
    user_code: str
    expires_in: int
    interval: int


async def start(
    db: Executor,
    *,
    device_name: str,
    scopes: tuple[str, ...],
    lifetime: int,
    interval: int,
    address: str,
) -> Started:
    """A new pending authorization; a user code that happens to be taken is drawn again.
    An address that started `STARTS_PER_ADDRESS` in ten minutes is refused (429)."""
    if await queries.recent_device_authorizations(db, address=address) >= STARTS_PER_ADDRESS:
        raise TooManyRequests("Too many sign-ins started from here; try again in a few minutes.",
                              code="slow_down", retry_after=600)  # fmt: skip
    name = " ".join(device_name.split())[:200] or "unnamed device"
    for _ in range(5):
        device_code = secrets.token_urlsafe(32)
        user_code = new_user_code()
        try:
            await queries.create_device_authorization(
                db, device_code_hash=_hash(device_code), user_code=user_code, device_name=name,
                scopes=list(scopes), poll_interval=interval, address=address,
                expires_at=datetime.now(UTC) + timedelta(seconds=lifetime),
            )  # fmt: skip
        except asyncpg.UniqueViolationError:
            continue
        return Started(device_code, user_code, lifetime, interval)
    raise RuntimeError("could not draw a free user code")


@dataclass(frozen=True)
class Pending:
    user_code: str
    device_name: str
    scopes: list[str]
    expires_at: datetime


async def pending(db: Executor, typed: str) -> Pending:
    """The undecided authorization a person typed the code of; 404 otherwise."""
    code = normalise_user_code(typed)
    row = await queries.pending_device_authorization(db, user_code=code) if code else None
    if row is None:
        raise NotFound(
            "No device is waiting for this code; check it, or start again on the device.",
            code="unknown_user_code",
        )
    return Pending(row["user_code"], row["device_name"], list(row["scopes"]), row["expires_at"])


async def decide(db: Executor, *, user_code: str, user_id: int, approve: bool) -> Pending:
    code = normalise_user_code(user_code)
    row = await queries.decide_device_authorization(
        db, user_code=code, user_id=user_id, approve=approve
    ) if code else None  # fmt: skip
    if row is None:
        raise NotFound("No device is waiting for this code any more.", code="unknown_user_code")
    await signin_audit.record(db, "device_approved" if approve else "device_denied",
                              user_id=user_id, device_name=row["device_name"])  # fmt: skip
    return Pending(user_code, row["device_name"], list(row["scopes"]), datetime.now(UTC))


@dataclass(frozen=True)
class Polled:
    """Either a token (`token` set) or an RFC 8628 error code with the current interval."""

    error: Outcome | None
    interval: int = 0
    token: w.TokenCreated | None = None


async def poll(pool: asyncpg.Pool, device_code: str) -> Polled:
    """One poll of the token endpoint. The row stays locked until the token is tied to it, so
    two concurrent polls never both receive a token."""
    if not device_code or len(device_code) > 200:
        return Polled("invalid_grant")
    async with pool.acquire() as conn, conn.transaction():
        row = await queries.lock_device_authorization(conn, device_code_hash=_hash(device_code))
        if row is None or row["token_id"] is not None:
            return Polled("invalid_grant")
        if row["denied"]:
            return Polled("access_denied")
        if row["expired"]:
            return Polled("expired_token")
        interval = row["poll_interval"] + (SLOW_DOWN_STEP if row["too_fast"] else 0)
        await queries.record_device_poll(conn, id=row["id"], poll_interval=interval)
        if row["too_fast"]:
            return Polled("slow_down", interval)
        if not row["approved"]:
            return Polled("authorization_pending", interval)
        token = await accounts.create_token(
            conn, user_id=row["user_id"], name=f"device: {row['device_name']}",
            scopes=list(row["scopes"]), device_name=row["device_name"],
        )  # fmt: skip
        await queries.claim_device_token(conn, id=row["id"], token_id=token.id)
        await signin_audit.record(conn, "token_created", user_id=row["user_id"],
                                  token_id=token.id, device_name=row["device_name"])  # fmt: skip
        return Polled(None, interval, token)
