"""Projects, their members and their ingest keys. Every call checks the caller's organisation
role first (auth.membership)."""

from __future__ import annotations

from aiohttp import web

from railguard.server import audit, organizations, privacy, projects
from railguard.server.auth import USER, membership, org_membership
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Invalid
from railguard.server.http import int_param, json_response, parse_request
from railguard.server.keys import KEY_CACHE, POOL, SETTINGS
from railguard.server.views.accounts import client_address
from railguard.wire import models as w
from railguard.wire import orgs as o
from railguard.wire.repository import InvalidRepository


async def create_project(request: web.Request) -> web.Response:
    body = await parse_request(request, w.ProjectCreateRequest)
    created = await projects.create_project(
        request.app[POOL], owner_id=request[USER].id, request=body,
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    return json_response(created, status=201)


async def list_projects(request: web.Request) -> web.Response:
    repository = request.query.get("repository") or None
    try:
        found = await projects.list_projects(
            request.app[POOL], user_id=request[USER].id, repository=repository
        )
    except InvalidRepository as exc:
        raise Invalid(str(exc)) from exc
    return json_response(found)


async def get_project(request: web.Request) -> web.Response:
    return json_response(projects.project_model((await membership(request)).row))


async def _audit(request: web.Request, project_id: int, action: str, target: str = "",
                 detail: dict[str, object] | None = None) -> None:  # fmt: skip
    await audit.record_for_project(
        request.app[POOL], project_id=project_id, actor_id=request[USER].id, action=action,
        target=target, detail=detail, address=client_address(request),
    )  # fmt: skip


async def update_project(request: web.Request) -> web.Response:
    project = await membership(request, role="admin")
    body = await parse_request(request, w.ProjectUpdateRequest)
    updated = await projects.update_project(
        request.app[POOL], project_id=project.project_id, role=project.role, request=body
    )
    request.app[KEY_CACHE].forget()  # path rules travel with cached keys
    await _audit(request, project.project_id, "project.update",
                 detail=body.model_dump(mode="json", exclude_unset=True))  # fmt: skip
    return json_response(updated)


async def delete_project(request: web.Request) -> web.Response:
    project = await membership(request, role="admin")
    await projects.delete_project(request.app[POOL], project.project_id)
    request.app[KEY_CACHE].forget()
    await _audit(request, project.project_id, "project.delete")
    return web.Response(status=204)


async def list_members(request: web.Request) -> web.Response:
    project = await membership(request)
    return json_response(await projects.list_members(request.app[POOL], project.project_id))


async def add_member(request: web.Request) -> web.Response:
    """An invitation to the project's organisation: nobody is added without accepting."""
    project = await membership(request, role="admin")
    body = await parse_request(request, w.MemberAddRequest)
    org_id = int(str(project.row["organization_id"]))
    org = (await org_membership(request, role="admin", organization_id=org_id)).row
    sent = await organizations.invite(
        request.app[POOL], request.app[SETTINGS], organization_id=org_id,
        organization_name=str(org["name"]), actor_id=request[USER].id, actor_role=project.role,
        email=body.email, role=body.role, address=client_address(request),
    )  # fmt: skip
    return json_response(sent, status=202)


async def remove_member(request: web.Request) -> web.Response:
    """Remove someone from the project's organisation (admins; anyone may leave)."""
    project = await membership(request, role="viewer")
    await organizations.remove_member(
        request.app[POOL], organization_id=int(str(project.row["organization_id"])),
        actor_id=request[USER].id, actor_role=project.role,
        user_id=int_param(request, "user_id"), address=client_address(request),
    )  # fmt: skip
    return web.Response(status=204)


async def create_key(request: web.Request) -> web.Response:
    project = await membership(request, role="admin")
    body = await parse_request(request, w.IngestKeyCreateRequest)
    key = await projects.create_key(
        request.app[POOL], project_id=project.project_id, request=body,
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    await _audit(request, project.project_id, "key.create", f"key:{key.id}",
                 {"label": key.label})  # fmt: skip
    return json_response(key, status=201)


async def list_keys(request: web.Request) -> web.Response:
    project = await membership(request)
    keys = await projects.list_keys(
        request.app[POOL], project_id=project.project_id,
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    return json_response(keys)


async def revoke_key(request: web.Request) -> web.Response:
    project = await membership(request, role="admin")
    key = await projects.revoke_key(
        request.app[POOL], project_id=project.project_id, key_id=int_param(request, "key_id"),
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    request.app[KEY_CACHE].forget(key.public_key)
    await _audit(request, project.project_id, "key.revoke", f"key:{key.id}")
    return json_response(key)


async def get_privacy(request: web.Request) -> web.Response:
    project = await membership(request)
    return json_response(await privacy.get_privacy(request.app[POOL], project.project_id))


async def set_privacy(request: web.Request) -> web.Response:
    project = await membership(request, role="admin")
    body = await parse_request(request, w.PrivacyUpdateRequest)
    settings = await privacy.set_privacy(request.app[POOL], project.project_id, body)
    await _audit(request, project.project_id, "project.privacy",
                 detail=settings.model_dump())  # fmt: skip
    request.app[KEY_CACHE].forget()  # the scrubbing policy travels with cached keys
    return json_response(settings)


_P = "/api/v1/projects/{project_id}"
ENDPOINTS = [
    Endpoint("POST", "/api/v1/projects", create_project, "create_project",
             "Create a project with its first ingest key.", request=w.ProjectCreateRequest,
             response=w.ProjectCreated, status=201, errors=(400, 409, 422)),
    Endpoint("GET", "/api/v1/projects", list_projects, "list_projects",
             "Projects you belong to.", response=w.Project, many=True, errors=(422,),
             query=(QueryParam("repository", "Only the project of this repository identity or "
                               "clone URL."),)),
    Endpoint("GET", _P, get_project, "get_project", "One project.", response=w.Project,
             errors=(404,)),
    Endpoint("PATCH", _P, update_project, "update_project", "Change a project (admins).",
             request=w.ProjectUpdateRequest, response=w.Project, errors=(400, 403, 404, 409, 422)),
    Endpoint("DELETE", _P, delete_project, "delete_project",
             "Delete a project (soft; admins).", status=204, errors=(403, 404)),
    Endpoint("GET", _P + "/members", list_members, "list_members", "Members of a project.",
             response=w.Member, many=True, errors=(404,)),
    Endpoint("POST", _P + "/members", add_member, "add_member",
             "Invite someone to the project's organisation (admins); the same answer for every "
             "email.", request=w.MemberAddRequest, response=o.InvitationSent, status=202,
             errors=(400, 403, 404, 422)),
    Endpoint("DELETE", _P + "/members/{user_id}", remove_member, "remove_member",
             "Remove someone from the project's organisation (admins; anyone may leave).",
             status=204, errors=(403, 404, 409)),
    Endpoint("POST", _P + "/keys", create_key, "create_key", "Create an ingest key (admins).",
             request=w.IngestKeyCreateRequest, response=w.IngestKey, status=201,
             errors=(400, 403, 404, 422)),
    Endpoint("GET", _P + "/keys", list_keys, "list_keys", "Ingest keys with their DSNs.",
             response=w.IngestKey, many=True, errors=(404,)),
    Endpoint("DELETE", _P + "/keys/{key_id}", revoke_key, "revoke_key",
             "Revoke an ingest key (admins).", response=w.IngestKey, errors=(403, 404)),
    Endpoint("GET", _P + "/privacy", get_privacy, "get_privacy",
             "The project's optional scrubbing rules.", response=w.PrivacySettings,
             errors=(404,)),
    Endpoint("PATCH", _P + "/privacy", set_privacy, "set_privacy",
             "Turn optional scrubbing rules on or off (admins); applies to new events.",
             request=w.PrivacyUpdateRequest, response=w.PrivacySettings,
             errors=(400, 403, 404, 422)),
]  # fmt: skip
