"""Projects, their members and their ingest keys. Every call checks membership first."""

from __future__ import annotations

from aiohttp import web

from railguard.server import privacy, projects
from railguard.server.auth import USER, membership, require_owner
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import Invalid
from railguard.server.http import int_param, json_response, parse_request
from railguard.server.keys import KEY_CACHE, POOL, SETTINGS
from railguard.wire import models as w
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


async def update_project(request: web.Request) -> web.Response:
    project = await membership(request, owner=True)
    body = await parse_request(request, w.ProjectUpdateRequest)
    updated = await projects.update_project(
        request.app[POOL], project_id=project.project_id, role="owner", request=body
    )
    request.app[KEY_CACHE].forget()  # path rules travel with cached keys
    return json_response(updated)


async def delete_project(request: web.Request) -> web.Response:
    project = await membership(request, owner=True)
    await projects.delete_project(request.app[POOL], project.project_id)
    request.app[KEY_CACHE].forget()
    return web.Response(status=204)


async def list_members(request: web.Request) -> web.Response:
    project = await membership(request)
    return json_response(await projects.list_members(request.app[POOL], project.project_id))


async def add_member(request: web.Request) -> web.Response:
    project = await membership(request, owner=True)
    body = await parse_request(request, w.MemberAddRequest)
    member = await projects.add_member(
        request.app[POOL], project_id=project.project_id, email=body.email, role=body.role
    )
    return json_response(member, status=201)


async def remove_member(request: web.Request) -> web.Response:
    project = await membership(request)
    member_id = int_param(request, "user_id")
    if member_id != request[USER].id:  # anyone may leave; only owners remove others
        require_owner(project)
    await projects.remove_member(
        request.app[POOL], project_id=project.project_id, user_id=member_id
    )
    return web.Response(status=204)


async def create_key(request: web.Request) -> web.Response:
    project = await membership(request, owner=True)
    body = await parse_request(request, w.IngestKeyCreateRequest)
    key = await projects.create_key(
        request.app[POOL], project_id=project.project_id, request=body,
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    return json_response(key, status=201)


async def list_keys(request: web.Request) -> web.Response:
    project = await membership(request)
    keys = await projects.list_keys(
        request.app[POOL], project_id=project.project_id,
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    return json_response(keys)


async def revoke_key(request: web.Request) -> web.Response:
    project = await membership(request, owner=True)
    key = await projects.revoke_key(
        request.app[POOL], project_id=project.project_id, key_id=int_param(request, "key_id"),
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    request.app[KEY_CACHE].forget(key.public_key)
    return json_response(key)


async def get_privacy(request: web.Request) -> web.Response:
    project = await membership(request)
    return json_response(await privacy.get_privacy(request.app[POOL], project.project_id))


async def set_privacy(request: web.Request) -> web.Response:
    project = await membership(request, owner=True)
    body = await parse_request(request, w.PrivacyUpdateRequest)
    settings = await privacy.set_privacy(request.app[POOL], project.project_id, body)
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
    Endpoint("PATCH", _P, update_project, "update_project", "Change a project (owners).",
             request=w.ProjectUpdateRequest, response=w.Project, errors=(400, 403, 404, 409, 422)),
    Endpoint("DELETE", _P, delete_project, "delete_project",
             "Delete a project (soft; owners).", status=204, errors=(403, 404)),
    Endpoint("GET", _P + "/members", list_members, "list_members", "Members of a project.",
             response=w.Member, many=True, errors=(404,)),
    Endpoint("POST", _P + "/members", add_member, "add_member", "Add a member (owners).",
             request=w.MemberAddRequest, response=w.Member, status=201,
             errors=(400, 403, 404, 422)),
    Endpoint("DELETE", _P + "/members/{user_id}", remove_member, "remove_member",
             "Remove a member (owners; anyone may leave).", status=204, errors=(403, 404, 409)),
    Endpoint("POST", _P + "/keys", create_key, "create_key", "Create an ingest key (owners).",
             request=w.IngestKeyCreateRequest, response=w.IngestKey, status=201,
             errors=(400, 403, 404, 422)),
    Endpoint("GET", _P + "/keys", list_keys, "list_keys", "Ingest keys with their DSNs.",
             response=w.IngestKey, many=True, errors=(404,)),
    Endpoint("DELETE", _P + "/keys/{key_id}", revoke_key, "revoke_key",
             "Revoke an ingest key (owners).", response=w.IngestKey, errors=(403, 404)),
    Endpoint("GET", _P + "/privacy", get_privacy, "get_privacy",
             "The project's optional scrubbing rules.", response=w.PrivacySettings,
             errors=(404,)),
    Endpoint("PATCH", _P + "/privacy", set_privacy, "set_privacy",
             "Turn optional scrubbing rules on or off (owners); applies to new events.",
             request=w.PrivacyUpdateRequest, response=w.PrivacySettings,
             errors=(400, 403, 404, 422)),
]  # fmt: skip
