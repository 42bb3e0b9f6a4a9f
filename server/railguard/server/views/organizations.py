"""Organisations, their members, invitations and audit log. Every call checks the caller's role
in the organisation of the path first (auth.org_membership); others' ids are 404."""

from __future__ import annotations

from aiohttp import web

from railguard.server import audit, organizations, usage
from railguard.server.auth import USER, org_membership
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.http import int_param, json_response, parse_request, query_int, query_limit
from railguard.server.keys import POOL, QUOTAS, SETTINGS
from railguard.server.views.accounts import client_address
from railguard.wire import models as w
from railguard.wire import orgs as o


async def create_organization(request: web.Request) -> web.Response:
    body = await parse_request(request, o.OrganizationCreateRequest)
    created = await organizations.create_organization(
        request.app[POOL], user_id=request[USER].id, name=body.name
    )
    return json_response(created, status=201)


async def list_organizations(request: web.Request) -> web.Response:
    return json_response(
        await organizations.list_organizations(request.app[POOL], request[USER].id)
    )


async def get_organization(request: web.Request) -> web.Response:
    org = await org_membership(request)
    return json_response(organizations.org_model(org.row, org.role))


async def update_organization(request: web.Request) -> web.Response:
    org = await org_membership(request, role="admin")
    body = await parse_request(request, o.OrganizationUpdateRequest)
    updated = await organizations.rename(
        request.app[POOL], organization_id=org.organization_id, role=org.role, name=body.name
    )
    await audit.record(request.app[POOL], organization_id=org.organization_id,
                       actor_id=request[USER].id, action="organization.rename",
                       target=body.name, address=client_address(request))  # fmt: skip
    return json_response(updated)


async def list_members(request: web.Request) -> web.Response:
    org = await org_membership(request)
    return json_response(await organizations.list_members(request.app[POOL], org.organization_id))


async def change_role(request: web.Request) -> web.Response:
    org = await org_membership(request, role="admin")
    body = await parse_request(request, o.RoleChangeRequest)
    member = await organizations.change_role(
        request.app[POOL], organization_id=org.organization_id, actor_id=request[USER].id,
        actor_role=org.role, user_id=int_param(request, "user_id"), role=body.role,
        address=client_address(request),
    )  # fmt: skip
    return json_response(member)


async def remove_member(request: web.Request) -> web.Response:
    org = await org_membership(request, role="viewer")  # anyone may leave
    await organizations.remove_member(
        request.app[POOL], organization_id=org.organization_id, actor_id=request[USER].id,
        actor_role=org.role, user_id=int_param(request, "user_id"),
        address=client_address(request),
    )  # fmt: skip
    return web.Response(status=204)


async def invite(request: web.Request) -> web.Response:
    org = await org_membership(request, role="admin")
    body = await parse_request(request, o.InvitationCreateRequest)
    sent = await organizations.invite(
        request.app[POOL], request.app[SETTINGS], organization_id=org.organization_id,
        organization_name=str(org.row["name"]), actor_id=request[USER].id, actor_role=org.role,
        email=body.email, role=body.role, address=client_address(request),
    )  # fmt: skip
    return json_response(sent, status=202)


async def list_invitations(request: web.Request) -> web.Response:
    org = await org_membership(request, role="admin")
    return json_response(
        await organizations.list_invitations(request.app[POOL], org.organization_id)
    )


async def revoke_invitation(request: web.Request) -> web.Response:
    org = await org_membership(request, role="admin")
    revoked = await organizations.revoke_invitation(
        request.app[POOL], organization_id=org.organization_id,
        invitation_id=int_param(request, "invitation_id"), actor_id=request[USER].id,
        address=client_address(request),
    )  # fmt: skip
    return json_response(revoked)


async def accept_invitation(request: web.Request) -> web.Response:
    body = await parse_request(request, o.InvitationAcceptRequest)
    user = request[USER]
    joined = await organizations.accept(
        request.app[POOL], token=body.token, user_id=user.id, email=user.email,
        address=client_address(request),
    )  # fmt: skip
    return json_response(joined)


async def audit_log(request: web.Request) -> web.Response:
    org = await org_membership(request, role="admin")
    found = await audit.entries(
        request.app[POOL], organization_id=org.organization_id,
        before=query_int(request, "before", 1, 2**62), limit=query_limit(request, 100, 500),
    )  # fmt: skip
    return json_response(found)


async def get_usage(request: web.Request) -> web.Response:
    org = await org_membership(request)
    return json_response(await usage.report(request.app[POOL], org.organization_id))


async def set_quota(request: web.Request) -> web.Response:
    org = await org_membership(request, role="admin")
    body = await parse_request(request, o.QuotaRequest)
    report = await usage.set_quota(
        request.app[POOL], organization_id=org.organization_id, actor_id=request[USER].id,
        event_quota=body.event_quota, address=client_address(request),
    )  # fmt: skip
    request.app[QUOTAS].forget()
    return json_response(report)


_O = "/api/v1/organizations/{organization_id}"
ENDPOINTS = [
    Endpoint("POST", "/api/v1/organizations", create_organization, "create_organization",
             "Create an organisation; you are its owner.", request=o.OrganizationCreateRequest,
             response=o.Organization, status=201, errors=(400, 422)),
    Endpoint("GET", "/api/v1/organizations", list_organizations, "list_organizations",
             "Organisations you belong to, with your role.", response=o.Organization, many=True),
    Endpoint("GET", _O, get_organization, "get_organization", "One organisation.",
             response=o.Organization, errors=(404,)),
    Endpoint("PATCH", _O, update_organization, "update_organization",
             "Rename an organisation (admins).", request=o.OrganizationUpdateRequest,
             response=o.Organization, errors=(400, 403, 404, 422)),
    Endpoint("GET", _O + "/members", list_members, "list_org_members",
             "Members of an organisation with their roles.", response=w.Member, many=True,
             errors=(404,)),
    Endpoint("PATCH", _O + "/members/{user_id}", change_role, "change_member_role",
             "Change a member's role (admins; the owner role only by owners).",
             request=o.RoleChangeRequest, response=w.Member, errors=(400, 403, 404, 409, 422)),
    Endpoint("DELETE", _O + "/members/{user_id}", remove_member, "remove_org_member",
             "Remove a member (admins; anyone may leave; the last owner stays).", status=204,
             errors=(403, 404, 409)),
    Endpoint("POST", _O + "/invitations", invite, "create_invitation",
             "Invite an email address (admins); the same answer for every address.",
             request=o.InvitationCreateRequest, response=o.InvitationSent, status=202,
             errors=(400, 403, 404, 422)),
    Endpoint("GET", _O + "/invitations", list_invitations, "list_invitations",
             "Invitations of an organisation (admins).", response=o.Invitation, many=True,
             errors=(403, 404)),
    Endpoint("DELETE", _O + "/invitations/{invitation_id}", revoke_invitation,
             "revoke_invitation", "Revoke a pending invitation (admins).",
             response=o.Invitation, errors=(403, 404)),
    Endpoint("POST", "/api/v1/invitations/accept", accept_invitation, "accept_invitation",
             "Accept an invitation made for your account's email.",
             request=o.InvitationAcceptRequest, response=o.Organization,
             errors=(400, 403, 404, 422)),
    Endpoint("GET", _O + "/audit", audit_log, "audit_log",
             "What people did in the organisation, newest first (admins).",
             response=o.AuditEntry, many=True, errors=(403, 404, 422),
             query=(QueryParam("before", "Only entries older than this id (paging).", "integer"),
                    QueryParam("limit", "At most this many (1-500, default 100).", "integer"))),
    Endpoint("GET", _O + "/usage", get_usage, "get_usage",
             "Events stored per month (newest first) and the monthly event quota.",
             response=o.Usage, errors=(404,)),
    Endpoint("PUT", _O + "/quota", set_quota, "set_quota",
             "Set the monthly event quota, or null for unlimited (admins).",
             request=o.QuotaRequest, response=o.Usage, errors=(400, 403, 404, 422)),
]  # fmt: skip
