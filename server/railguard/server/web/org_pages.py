"""Organisation pages: the list, members and their roles, invitations (send, revoke, accept),
usage and the event quota, the audit log.

Every organisation id in a path is checked against the signed-in person's memberships first:
another tenant's organisation is a 404. Changes need the admin role (the owner role is given or
taken only by owners, in `organizations`); the audit log is for admins and owners.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from railguard.server import audit, organizations, usage
from railguard.server.db import queries
from railguard.server.errors import Forbidden, Invalid, NotFound
from railguard.server.http import int_param
from railguard.server.keys import POOL, QUOTAS, SETTINGS
from railguard.server.roles import ROLES, at_least
from railguard.server.views.accounts import client_address
from railguard.server.web import guard
from railguard.server.web.sessions import WebSession
from railguard.wire import orgs as o


async def _org(request: web.Request, session: WebSession, role: str = "viewer") -> dict[str, Any]:
    row = await queries.get_organization(
        request.app[POOL], organization_id=int_param(request, "organization_id"),
        user_id=session.user_id,
    )  # fmt: skip
    if row is None:
        raise NotFound("No such organisation.")
    if not at_least(row["role"], role):
        raise Forbidden(f"This needs the {role} role in the organisation.")
    return dict(row)


async def org_list(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    found = await organizations.list_organizations(request.app[POOL], session.user_id)
    return guard.render(request, "organizations.html", {"organizations": found, "error": ""})


async def create_org(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    data = await guard.form(request, session)
    try:
        body = o.OrganizationCreateRequest(name=str(data.get("name", "")).strip())
    except ValidationError:
        found = await organizations.list_organizations(request.app[POOL], session.user_id)
        return guard.render(request, "organizations.html",
                            {"organizations": found, "error": "A name needs 1 to 200 characters."},
                            status=422)  # fmt: skip
    created = await organizations.create_organization(
        request.app[POOL], user_id=session.user_id, name=body.name
    )
    raise guard.redirect(f"/organizations/{created.id}")


async def _render_org(
    request: web.Request, org: dict[str, Any], *, sent: o.InvitationSent | None = None,
    error: str = "", status: int = 200,
) -> web.Response:  # fmt: skip
    pool = request.app[POOL]
    admin = at_least(org["role"], "admin")
    report = await usage.report(pool, org["id"])
    this_month = datetime.now(UTC).date().replace(day=1)
    current = next((m.events for m in report.months if m.month == this_month), 0)
    return guard.render(
        request, "organization.html",
        {"org": org, "admin": admin, "roles": list(reversed(ROLES)),
         "members": await organizations.list_members(pool, org["id"]),
         "invitations": await organizations.list_invitations(pool, org["id"]) if admin else [],
         "usage": report, "events_this_month": current,
         "sent": sent, "error": error},
        status=status,
    )  # fmt: skip


async def org_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    return await _render_org(request, await _org(request, session))


async def invite(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    org = await _org(request, session, "admin")
    data = await guard.form(request, session)
    try:
        body = o.InvitationCreateRequest(
            email=str(data.get("email", "")).strip(), role=str(data.get("role", "member"))
        )
    except ValidationError:
        return await _render_org(request, org, error="Give an email address and a role.",
                                 status=422)  # fmt: skip
    try:
        sent = await organizations.invite(
            request.app[POOL], request.app[SETTINGS], organization_id=org["id"],
            organization_name=org["name"], actor_id=session.user_id, actor_role=org["role"],
            email=body.email, role=body.role, address=client_address(request),
        )  # fmt: skip
    except Forbidden as exc:
        return await _render_org(request, org, error=exc.message, status=403)
    return await _render_org(request, org, sent=sent)


async def revoke_invitation(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    org = await _org(request, session, "admin")
    await guard.form(request, session)
    await organizations.revoke_invitation(
        request.app[POOL], organization_id=org["id"],
        invitation_id=int_param(request, "invitation_id"), actor_id=session.user_id,
        address=client_address(request),
    )  # fmt: skip
    raise guard.redirect(f"/organizations/{org['id']}#invitations")


async def change_role(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    org = await _org(request, session, "admin")
    data = await guard.form(request, session)
    role = str(data.get("role", ""))
    if role not in ROLES:
        raise Invalid("Choose a role.")
    await organizations.change_role(
        request.app[POOL], organization_id=org["id"], actor_id=session.user_id,
        actor_role=org["role"], user_id=int_param(request, "user_id"), role=role,
        address=client_address(request),
    )  # fmt: skip
    raise guard.redirect(f"/organizations/{org['id']}#members")


async def remove_member(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    org = await _org(request, session)
    await guard.form(request, session)
    user_id = int_param(request, "user_id")
    await organizations.remove_member(
        request.app[POOL], organization_id=org["id"], actor_id=session.user_id,
        actor_role=org["role"], user_id=user_id, address=client_address(request),
    )  # fmt: skip
    raise guard.redirect("/organizations" if user_id == session.user_id else
                         f"/organizations/{org['id']}#members")  # fmt: skip


async def set_quota(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    org = await _org(request, session, "admin")
    data = await guard.form(request, session)
    raw = str(data.get("event_quota", "")).strip().replace(",", "").replace("_", "")
    try:
        body = o.QuotaRequest(event_quota=int(raw) if raw else None)
    except (ValueError, ValidationError):
        return await _render_org(request, org, status=422,
                                 error="The quota is a whole number of events, or empty for "
                                       "unlimited.")  # fmt: skip
    await usage.set_quota(request.app[POOL], organization_id=org["id"], actor_id=session.user_id,
                          event_quota=body.event_quota,
                          address=client_address(request))  # fmt: skip
    request.app[QUOTAS].forget()
    raise guard.redirect(f"/organizations/{org['id']}#usage")


async def audit_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    org = await _org(request, session, "admin")
    raw = request.query.get("before", "")
    before = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None
    entries = await audit.entries(request.app[POOL], organization_id=org["id"], before=before,
                                  limit=100)  # fmt: skip
    return guard.render(request, "audit.html", {"org": org, "entries": entries})


async def invitation_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    invitation = await organizations.find_invitation(request.app[POOL],
                                                     request.match_info["token"])  # fmt: skip
    return guard.render(
        request, "invitation.html",
        {"invitation": invitation,
         "matches": invitation["email"].lower() == session.email.lower()},
    )  # fmt: skip


async def accept_invitation(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    await guard.form(request, session)
    joined = await organizations.accept(
        request.app[POOL], token=request.match_info["token"], user_id=session.user_id,
        email=session.email, address=client_address(request),
    )  # fmt: skip
    raise guard.redirect(f"/organizations/{joined.id}")


_O = r"/organizations/{organization_id:\d+}"
_T = r"/invitations/{token:rgi_[A-Za-z0-9_-]{20,100}}"
ROUTES = [
    ("GET", "/organizations", org_list),
    ("POST", "/organizations", create_org),
    ("GET", _O, org_page),
    ("POST", _O + "/invitations", invite),
    ("POST", _O + r"/invitations/{invitation_id:\d+}/revoke", revoke_invitation),
    ("POST", _O + r"/members/{user_id:\d+}/role", change_role),
    ("POST", _O + r"/members/{user_id:\d+}/remove", remove_member),
    ("GET", _O + "/audit", audit_page),
    ("POST", _O + "/quota", set_quota),
    ("GET", _T, invitation_page),
    ("POST", _T, accept_invitation),
]
