"""Accounts and personal API tokens: the data-layer operations behind the API and the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
from argon2 import PasswordHasher

from railguard.server import passwords, security
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from railguard.server.notices import send_notice
from railguard.server.settings import Settings
from railguard.wire import models as w


def user_model(row: asyncpg.Record) -> w.User:
    return w.User(
        id=row["id"], email=row["email"], display_name=row["display_name"],
        created_at=row["created_at"],
    )  # fmt: skip


def token_model(row: asyncpg.Record) -> w.Token:
    return w.Token.model_validate(dict(row))


async def _hash(hasher: PasswordHasher, password: str) -> str:
    # Argon2 holds a core for tens of milliseconds: keep it off the event loop.
    return await asyncio.get_running_loop().run_in_executor(
        None, security.hash_password, hasher, password
    )


async def create_user(
    db: Executor, hasher: PasswordHasher, *, email: str, password: str | None, display_name: str
) -> w.User:
    """Create an account; 409 if the email is taken in any letter case, 422 for a password on
    the list of the most common ones."""
    if password is not None and passwords.is_common(password):
        raise Invalid(
            "This password is one of the most common ones; choose another.",
            code="password_common",
            details=[{"loc": ["password"], "msg": "too common", "type": "value_error"}],
        )
    password_hash = await _hash(hasher, password) if password is not None else None
    try:
        row = await queries.create_user(
            db, email=email, display_name=display_name, password_hash=password_hash
        )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("An account with this email already exists.", code="email_taken") from exc
    return user_model(row)


SIGNUP_ANSWER = "If this address can be used, its account is ready: sign in with it."
_NOTICES: set[asyncio.Task[bool]] = set()


async def sign_up(
    db: Executor, hasher: PasswordHasher, settings: Settings, *, email: str, password: str,
    display_name: str,
) -> w.SignupAccepted:  # fmt: skip
    """Create the account, or tell the owner of a taken address by mail; the caller sees the same
    answer either way, after the same password hashing."""
    try:
        await create_user(db, hasher, email=email, password=password, display_name=display_name)
    except Conflict:
        # Sent in the background: waiting for SMTP would make a taken address answer slower.
        task = asyncio.create_task(send_notice(
            settings, recipient=email, subject="Sign-up attempt on Railguard",
            text=("Someone tried to create a Railguard account with this address, which already "
                  "has one. If it was you, sign in instead; otherwise nothing needs doing."),
        ))  # fmt: skip
        _NOTICES.add(task)
        task.add_done_callback(_NOTICES.discard)
    return w.SignupAccepted(message=SIGNUP_ANSWER)


async def get_user_by_email(db: Executor, email: str) -> asyncpg.Record:
    row = await queries.get_user_by_email(db, email=email)
    if row is None:
        raise NotFound(f"No user with email {email}.", code="user_not_found")
    return row


async def create_token(
    db: Executor,
    *,
    user_id: int,
    name: str,
    expires_in_days: int | None = None,
    scopes: Sequence[str] | None = None,
    device_name: str | None = None,
) -> w.TokenCreated:
    """Mint a token; only its hash is stored, the secret is returned once.

    `scopes` None means every scope (a personal token); device tokens pass theirs.
    """
    token = security.new_token()
    expires_at = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    row = await queries.create_token(
        db,
        user_id=user_id,
        name=name,
        token_hash=security.token_hash(token),
        prefix=security.token_display_prefix(token),
        expires_at=expires_at,
        scopes=list(scopes) if scopes is not None else None,
        device_name=device_name,
    )
    return w.TokenCreated(token=token, **dict(row))


async def list_tokens(db: Executor, user_id: int) -> list[w.Token]:
    return [token_model(r) for r in await fetch_all(queries.list_tokens(db, user_id=user_id))]


async def revoke_token(db: Executor, *, user_id: int, token_id: int) -> w.Token:
    row = await queries.revoke_token(db, user_id=user_id, token_id=token_id)
    if row is None:
        raise NotFound("No such token.")
    return token_model(row)


async def check_password(
    db: Executor,
    hasher: PasswordHasher,
    *,
    email: str,
    password: str,
    address: str,
    max_per_pair: int,
    max_per_address: int,
) -> asyncpg.Record:
    """The user whose password this is, within the per-address and per-(address, account) limits.

    Only failures from the caller's own address count against it, so nobody elsewhere can lock
    the owner out of their account by failing on purpose (docs/accounts.md). An unknown email and
    a wrong password give the same answer, in about the same time. The API mints a token from it
    (`login`), the web app a browser session.
    """
    counts = await queries.login_failure_counts(db, email=email, address=address)
    if counts["by_pair"] >= max_per_pair or counts["by_address"] >= max_per_address:
        raise TooManyRequests(
            "Too many failed logins; try again later.", code="login_rate_limited", retry_after=3600
        )
    row = await queries.get_user_by_email(db, email=email)
    stored = row["password_hash"] if row is not None else None
    ok = await asyncio.get_running_loop().run_in_executor(
        None, security.verify_password, hasher, stored, password
    )
    if row is None or not ok:
        await queries.record_login_failure(db, email=email, address=address)
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    await queries.clear_login_failures(db, email=email, address=address)
    return row


async def login(
    db: Executor,
    hasher: PasswordHasher,
    *,
    email: str,
    password: str,
    address: str,
    token_name: str,
    max_per_pair: int,
    max_per_address: int,
) -> w.LoginResponse:
    """Check a password (`check_password`) and mint a personal API token."""
    row = await check_password(
        db, hasher, email=email, password=password, address=address,
        max_per_pair=max_per_pair, max_per_address=max_per_address,
    )  # fmt: skip
    created = await create_token(db, user_id=row["id"], name=token_name)
    info = w.Token.model_validate(created.model_dump(exclude={"token"}))
    return w.LoginResponse(token=created.token, token_info=info, user=user_model(row))
