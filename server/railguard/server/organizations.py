"""Organisations, their members and invitations: the operations behind the API, pages and CLI.

Nobody becomes a member without accepting an invitation made for their email address. Creating
an invitation never looks the address up, so its answer is the same for every email (no
enumeration); the link goes out by mail when SMTP is configured, otherwise it is handed to the
inviter to pass on. Roles and their powers are in docs/accounts.md.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from railguard.server import audit, security
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Conflict, Forbidden, NotFound
from railguard.server.notices import send_notice
from railguard.server.settings import Settings
from railguard.wire import models as w
from railguard.wire import orgs as o

INVITATION_DAYS = 7


def org_model(row: Any, role: str) -> o.Organization:
    return o.Organization.model_validate({**dict(row), "role": role})


def invitation_model(row: Any) -> o.Invitation:
    return o.Invitation.model_validate(dict(row))


async def create_organization(
    pool: asyncpg.Pool, *, user_id: int, name: str, personal: bool = False
) -> o.Organization:
    async with pool.acquire() as conn, conn.transaction():
        row = await queries.create_organization(
            conn, name=name, personal_owner_id=user_id if personal else None
        )
        await queries.put_org_member(conn, organization_id=row["id"], user_id=user_id, role="owner")
        await audit.record(conn, organization_id=row["id"], actor_id=user_id,
                           action="organization.create", target=name)  # fmt: skip
    return org_model(row, "owner")


async def personal_organization(conn: Executor, user_id: int) -> int:
    """The user's personal organisation, made on first need (call inside a transaction)."""
    await queries.lock_user(conn, user_id=user_id)
    found: int | None = await queries.personal_organization(conn, user_id=user_id)
    if found is not None:
        return found
    user = await queries.get_user(conn, user_id=user_id)
    name = (user["display_name"] or user["email"])[:200]
    row = await queries.create_organization(conn, name=name, personal_owner_id=user_id)
    await queries.put_org_member(conn, organization_id=row["id"], user_id=user_id, role="owner")
    return int(row["id"])


async def list_organizations(db: Executor, user_id: int) -> list[o.Organization]:
    rows = await fetch_all(queries.list_organizations(db, user_id=user_id))
    return [org_model(r, r["role"]) for r in rows]


async def rename(db: Executor, *, organization_id: int, role: str, name: str) -> o.Organization:
    row = await queries.rename_organization(db, organization_id=organization_id, name=name)
    return org_model(row, role)


async def list_members(db: Executor, organization_id: int) -> list[w.Member]:
    rows = await fetch_all(queries.list_org_members(db, organization_id=organization_id))
    return [w.Member.model_validate(dict(r)) for r in rows]


def _check_power(actor_role: str, *, old: str | None, new: str | None) -> None:
    """Only owners give or take the owner role; admins manage everyone else."""
    if "owner" in (old, new) and actor_role != "owner":
        raise Forbidden("Only an owner can give or take the owner role.", code="forbidden")


async def change_role(
    pool: asyncpg.Pool, *, organization_id: int, actor_id: int, actor_role: str, user_id: int,
    role: str, address: str = "",
) -> w.Member:  # fmt: skip
    async with pool.acquire() as conn, conn.transaction():
        await queries.lock_organization(conn, organization_id=organization_id)
        old = await queries.get_org_member_role(
            conn, organization_id=organization_id, user_id=user_id
        )
        if old is None:
            raise NotFound("No such member.")
        _check_power(actor_role, old=old, new=role)
        await queries.set_org_member_role(
            conn, organization_id=organization_id, user_id=user_id, role=role
        )
        if old == "owner" and not await queries.count_org_owners(
            conn, organization_id=organization_id
        ):
            raise Conflict("An organisation needs at least one owner.", code="last_owner")
        await audit.record(conn, organization_id=organization_id, actor_id=actor_id,
                           action="member.role", target=f"user:{user_id}",
                           detail={"from": old, "to": role}, address=address)  # fmt: skip
    for member in await list_members(pool, organization_id):
        if member.user_id == user_id:
            return member
    raise NotFound("No such member.")  # pragma: no cover - the row was just written


async def remove_member(
    pool: asyncpg.Pool, *, organization_id: int, actor_id: int, actor_role: str, user_id: int,
    address: str = "",
) -> None:  # fmt: skip
    """Remove a member (anyone may leave); the last owner cannot go."""
    async with pool.acquire() as conn, conn.transaction():
        await queries.lock_organization(conn, organization_id=organization_id)
        old = await queries.get_org_member_role(
            conn, organization_id=organization_id, user_id=user_id
        )
        if old is None:
            raise NotFound("No such member.")
        if user_id != actor_id:
            if actor_role not in ("owner", "admin"):
                raise Forbidden("This needs the admin role in the organisation.", code="forbidden")
            _check_power(actor_role, old=old, new=None)
        await queries.remove_org_member(conn, organization_id=organization_id, user_id=user_id)
        if old == "owner" and not await queries.count_org_owners(
            conn, organization_id=organization_id
        ):
            raise Conflict("An organisation needs at least one owner.", code="last_owner")
        action = "member.leave" if user_id == actor_id else "member.remove"
        await audit.record(conn, organization_id=organization_id, actor_id=actor_id,
                           action=action, target=f"user:{user_id}", detail={"role": old},
                           address=address)  # fmt: skip


async def invite(
    pool: asyncpg.Pool, settings: Settings, *, organization_id: int, organization_name: str,
    actor_id: int, actor_role: str, email: str, role: str, address: str = "",
) -> o.InvitationSent:  # fmt: skip
    """An invitation for `email`, mailed or handed back as a link; the same for every email."""
    _check_power(actor_role, old=None, new=role)
    token = "rgi_" + secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(days=INVITATION_DAYS)
    async with pool.acquire() as conn, conn.transaction():
        row = await queries.create_invitation(
            conn, organization_id=organization_id, email=email.strip(), role=role,
            token_hash=security.token_hash(token), invited_by=actor_id, expires_at=expires_at,
        )  # fmt: skip
        await audit.record(conn, organization_id=organization_id, actor_id=actor_id,
                           action="invitation.create", target=f"invitation:{row['id']}",
                           detail={"email": row["email"], "role": role},
                           address=address)  # fmt: skip
    link = f"{settings.public_base}/invitations/{token}"
    mailed = await send_notice(
        settings, recipient=row["email"], subject=f"You are invited to {organization_name}",
        text=(f"You are invited to join {organization_name} on Railguard as {role}.\n"
              f"Accept within {INVITATION_DAYS} days: {link}\n"
              "If you did not expect this, ignore this message."),
    )  # fmt: skip
    return o.InvitationSent(**dict(row), mailed=mailed, link=None if mailed else link)


async def list_invitations(db: Executor, organization_id: int) -> list[o.Invitation]:
    rows = await fetch_all(queries.list_invitations(db, organization_id=organization_id))
    return [invitation_model(r) for r in rows]


async def revoke_invitation(
    pool: asyncpg.Pool, *, organization_id: int, invitation_id: int, actor_id: int,
    address: str = "",
) -> o.Invitation:  # fmt: skip
    async with pool.acquire() as conn, conn.transaction():
        row = await queries.revoke_invitation(
            conn, organization_id=organization_id, invitation_id=invitation_id
        )
        if row is None:
            raise NotFound("No such pending invitation.")
        await audit.record(conn, organization_id=organization_id, actor_id=actor_id,
                           action="invitation.revoke", target=f"invitation:{invitation_id}",
                           detail={"email": row["email"]}, address=address)  # fmt: skip
    return invitation_model(row)


async def find_invitation(db: Executor, token: str) -> dict[str, Any]:
    """A usable invitation by its link's secret; 404 for unknown, used, revoked or expired."""
    row = await queries.invitation_by_token(db, token_hash=security.token_hash(token))
    if row is None or row["accepted_at"] or row["revoked_at"] or row["expired"]:
        raise NotFound("This invitation is not valid any more.", code="invitation_invalid")
    return dict(row)


async def accept(
    pool: asyncpg.Pool, *, token: str, user_id: int, email: str, address: str = ""
) -> o.Organization:
    """Join as the invitation says, if it was made for this account's email."""
    async with pool.acquire() as conn, conn.transaction():
        invitation = await find_invitation(conn, token)
        if invitation["email"].lower() != email.lower():
            raise Forbidden(
                "This invitation was made for another email address.", code="invitation_email"
            )
        await queries.upsert_org_member_at_least(
            conn, organization_id=invitation["organization_id"], user_id=user_id,
            role=invitation["role"],
        )  # fmt: skip
        await queries.mark_invitation_accepted(
            conn, invitation_id=invitation["id"], user_id=user_id
        )
        await audit.record(conn, organization_id=invitation["organization_id"],
                           actor_id=user_id, action="invitation.accept",
                           target=f"invitation:{invitation['id']}",
                           detail={"role": invitation["role"]}, address=address)  # fmt: skip
        row = await queries.get_organization(
            conn, organization_id=invitation["organization_id"], user_id=user_id
        )
    return org_model(row, row["role"])
