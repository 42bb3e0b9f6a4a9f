"""The API of incident curation: merge and unmerge, similar incidents, delete and the trash.
Same domain code as the pages, same 404 for other people's ids."""

from __future__ import annotations

from aiohttp import web

from railguard.server import merges, similar, trash
from railguard.server.auth import USER
from railguard.server.endpoints import Endpoint
from railguard.server.http import int_param, json_response, parse_request
from railguard.server.keys import KEY_CACHE, POOL, SETTINGS
from railguard.wire import curation as wc


async def merge(request: web.Request) -> web.Response:
    body = await parse_request(request, wc.MergeRequest)
    target = int_param(request, "incident_id")
    merged = await merges.merge(request.app[POOL], user_id=request[USER].id, target_id=target,
                                source_ids=body.incident_ids)  # fmt: skip
    return json_response(wc.MergeResult(target_id=target, merged_ids=merged))


async def unmerge(request: web.Request) -> web.Response:
    incident_id = int_param(request, "incident_id")
    former = await merges.unmerge(request.app[POOL], user_id=request[USER].id,
                                  incident_id=incident_id)  # fmt: skip
    return json_response(wc.UnmergeResult(incident_id=incident_id, former_target_id=former))


async def merged(request: web.Request) -> web.Response:
    found = await merges.merged_sources(request.app[POOL], user_id=request[USER].id,
                                        incident_id=int_param(request, "incident_id"))  # fmt: skip
    return json_response(found)


async def similar_incidents(request: web.Request) -> web.Response:
    found = await similar.similar_incidents(
        request.app[POOL], user_id=request[USER].id, incident_id=int_param(request, "incident_id"),
        public_base=request.app[SETTINGS].public_base,
    )  # fmt: skip
    return json_response(found)


async def delete_incident(request: web.Request) -> web.Response:
    await trash.delete_incident(request.app[POOL], user_id=request[USER].id,
                                incident_id=int_param(request, "incident_id"))  # fmt: skip
    return web.Response(status=204)


async def restore_incident(request: web.Request) -> web.Response:
    incident_id = int_param(request, "incident_id")
    await trash.restore_incident(request.app[POOL], user_id=request[USER].id,
                                 incident_id=incident_id)  # fmt: skip
    return json_response(wc.Restored(kind="incident", id=incident_id))


async def restore_project(request: web.Request) -> web.Response:
    project_id = int_param(request, "project_id")
    await trash.restore_project(request.app[POOL], user_id=request[USER].id,
                                project_id=project_id)  # fmt: skip
    request.app[KEY_CACHE].forget()  # its keys accept events again
    return json_response(wc.Restored(kind="project", id=project_id))


async def list_trash(request: web.Request) -> web.Response:
    return json_response(await trash.list_trash(request.app[POOL], user_id=request[USER].id))


_I = "/api/v1/incidents/{incident_id}"
ENDPOINTS = [
    Endpoint("POST", _I + "/merge", merge, "merge_incidents",
             "Merge incidents of the same project into this one (all or none).",
             request=wc.MergeRequest, response=wc.MergeResult, errors=(404, 409, 422)),
    Endpoint("POST", _I + "/unmerge", unmerge, "unmerge_incident",
             "Show a merged incident on its own again, with its events.",
             response=wc.UnmergeResult, errors=(404, 409)),
    Endpoint("GET", _I + "/merged", merged, "list_merged_incidents",
             "The incidents merged into this one.", response=wc.Merged, many=True,
             errors=(404,)),
    Endpoint("GET", _I + "/similar", similar_incidents, "similar_incidents",
             "Incidents of the same project that look alike (keyword match, n-gram vectors).",
             response=wc.SimilarIncident, many=True, errors=(404,)),
    Endpoint("DELETE", _I, delete_incident, "delete_incident",
             "Move an incident to the trash (restorable for 30 days).", status=204,
             errors=(404,)),
    Endpoint("POST", _I + "/restore", restore_incident, "restore_incident",
             "Bring a deleted incident back from the trash.", response=wc.Restored,
             errors=(404,)),
    Endpoint("POST", "/api/v1/projects/{project_id}/restore", restore_project, "restore_project",
             "Bring a deleted project back (owners); its keys accept events again.",
             response=wc.Restored, errors=(404, 409)),
    Endpoint("GET", "/api/v1/trash", list_trash, "list_trash",
             "Deleted projects you own and deleted incidents of your projects.",
             response=wc.TrashItem, many=True),
]  # fmt: skip
