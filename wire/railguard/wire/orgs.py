"""Organisations, their members and invitations, the audit log and usage: HTTP wire types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from railguard.wire.models import Request, Response, Role


class OrganizationCreateRequest(Request):
    name: str = Field(min_length=1, max_length=200)


class OrganizationUpdateRequest(Request):
    name: str = Field(min_length=1, max_length=200)


class Organization(Response):
    id: int
    name: str
    personal: bool = Field(description="Made for one person's own projects.")
    role: Role = Field(description="Your role in it.")
    created_at: datetime
    updated_at: datetime


class RoleChangeRequest(Request):
    role: Role


class InvitationCreateRequest(Request):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    role: Role = "member"


class Invitation(Response):
    id: int
    organization_id: int
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None


class InvitationSent(Invitation):
    """The same answer whether or not the email has an account (nothing to enumerate)."""

    mailed: bool = Field(description="The link went out by email.")
    link: str | None = Field(
        default=None, description="The link to pass on yourself, when no email could be sent."
    )


class InvitationAcceptRequest(Request):
    token: str = Field(min_length=10, max_length=200)


class AuditEntry(Response):
    id: int
    organization_id: int
    actor_id: int | None = None
    actor_email: str | None = None
    action: str
    target: str
    detail: dict[str, Any] = Field(default_factory=dict)
    address: str = ""
    created_at: datetime


class UsageMonth(Response):
    month: date = Field(description="The first day of the month (UTC).")
    events: int
    spans: int = 0
    logs: int = 0
    monitors: int = 0


class Usage(Response):
    event_quota: int | None = Field(description="Events a month; null: unlimited.")
    months: list[UsageMonth] = Field(description="Newest first, at most 12.")


class QuotaRequest(Request):
    event_quota: int | None = Field(ge=1, le=10**15, description="null: unlimited.")
