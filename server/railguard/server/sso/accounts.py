"""Who a provider's person is here: an identity already linked, an account with the same
**verified** email (linked now), or a new account if the sign-up policy admits the email.

An unverified email never signs in to, or links with, an existing account, and never opens a
new one: whoever controls a provider account could otherwise claim any address.
"""

from __future__ import annotations

from railguard.server import signin_audit
from railguard.server.db import Executor, queries
from railguard.server.errors import Forbidden
from railguard.server.settings import Settings
from railguard.server.sso.identity import Identity


async def policy(db: Executor, settings: Settings) -> str:
    """The sign-up policy in force: the setting, else open until the first account exists."""
    if settings.signup is not None:
        return settings.signup
    return "open" if await queries.count_users(db) == 0 else "invite-only"


async def invited(db: Executor, email: str) -> bool:
    """Whether invite-only sign-up admits this address: an open invitation to an organisation,
    or an approved access request."""
    if await queries.has_open_invitation(db, email=email):
        return True
    return bool(await queries.access_approved(db, email=email))


async def may_sign_up(db: Executor, settings: Settings, email: str) -> bool:
    rule = await policy(db, settings)
    if rule == "open":
        return True
    if rule == "domains":
        domain = email.rpartition("@")[2].lower()
        return domain in {d.lower() for d in settings.signup_domains}
    return await invited(db, email)


async def sign_in(db: Executor, settings: Settings, identity: Identity) -> int:
    """The account `identity` signs in to (linking or creating it); Forbidden when none may."""
    user_id = await queries.user_by_identity(
        db, provider=identity.provider, subject=identity.subject, email=identity.email
    )
    if user_id is None:
        user_id = await _link_or_create(db, settings, identity)
    await signin_audit.record(db, "sign_in", user_id=user_id, method=identity.provider)
    return int(user_id)


async def _link_or_create(db: Executor, settings: Settings, identity: Identity) -> int:
    if not identity.email or not identity.email_verified:
        raise Forbidden(
            "Your account at this provider has no verified email address; verify it there "
            "and sign in again.",
            code="email_not_verified",
        )
    row = await queries.get_user_by_email(db, email=identity.email)
    if row is not None:
        user_id = int(row["id"])
    elif await may_sign_up(db, settings, identity.email):
        created = await queries.create_user(
            db, email=identity.email, display_name=identity.name[:200], password_hash=None
        )
        user_id = int(created["id"])
    else:
        raise Forbidden(
            "This server admits new people by invitation. Ask for access on the sign-in page.",
            code="signup_closed",
        )
    await queries.link_identity(
        db, provider=identity.provider, subject=identity.subject, user_id=user_id,
        email=identity.email,
    )  # fmt: skip
    return user_id
