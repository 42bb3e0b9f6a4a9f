"""Source map uploads: the plain API `railguard sourcemaps upload` speaks (docs/source-maps.md).

`POST /api/v1/projects/{id}/sourcemaps` takes `multipart/form-data`: optional fields `release`,
`dist` and `url_prefix` (default `~/`) first, then file parts whose file name is the path in the
build folder (`static/main.js`, `static/main.js.map`). The body is streamed with a cap per file
and per request, outside the app's 1 MiB JSON limit.
"""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from railguard.server.auth import membership
from railguard.server.endpoints import Endpoint, QueryParam
from railguard.server.errors import BadRequest, Invalid, PayloadTooLarge
from railguard.server.http import json_response
from railguard.server.keys import POOL, SETTINGS, SOURCEMAPS
from railguard.server.sourcemaps import store
from railguard.server.sourcemaps.files import SourceFile, classify, upload_url
from railguard.wire.sourcemaps import SourceFileInfo, SourceFileList, SourceFilesDeleted

MiB = 2**20
_FIELD_LIMIT = 4096


async def _read_part(part: BodyPartReader, limit: int, name: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(256 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"{name} is larger than {limit // MiB} MiB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _text_field(value: bytes, name: str, limit: int) -> str:
    try:
        text = value.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise Invalid(f"{name} must be UTF-8 text.") from exc
    if len(text) > limit:
        raise Invalid(f"{name} must be at most {limit} characters.")
    return text


async def upload_source_files(request: web.Request) -> web.Response:
    project_id = (await membership(request, role="admin")).project_id
    settings = request.app[SETTINGS]
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("Send multipart/form-data: release, dist, url_prefix, then the files.")
    max_file, max_total = (
        settings.sourcemap_max_file_mb * MiB,
        settings.sourcemap_max_upload_mb * MiB,
    )
    fields = {"release": "", "dist": "", "url_prefix": "~/"}
    limits = {"release": 200, "dist": 64, "url_prefix": 1024}
    files: list[SourceFile] = []
    total = 0
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise BadRequest("Nested multipart bodies are not accepted.")
        if part.filename is None:
            if part.name not in fields:
                raise Invalid(f"Unknown field {part.name!r}: release, dist, url_prefix.")
            if files:
                raise Invalid("Send release, dist and url_prefix before the files.")
            raw = await _read_part(part, _FIELD_LIMIT, part.name)
            fields[part.name] = _text_field(raw, part.name, limits[part.name])
            continue
        content = await _read_part(part, min(max_file, max_total - total + 1), part.filename)
        total += len(content)
        if total > max_total:
            raise PayloadTooLarge(f"The upload is larger than {max_total // MiB} MiB.")
        files.append(classify(upload_url(fields["url_prefix"], part.filename), content))
    if not files:
        raise Invalid("The upload has no files.")
    if not fields["release"] and any(f.debug_id is None for f in files):
        missing = next(f.url for f in files if f.debug_id is None)
        raise Invalid(f"{missing} has no debug ID: give a release (or inject debug IDs first).")
    rows = await store.save_files(
        request.app[POOL], project_id=project_id, release=fields["release"],
        dist=fields["dist"], files=files,
    )  # fmt: skip
    request.app[SOURCEMAPS].forget(project_id)
    body = SourceFileList(files=[SourceFileInfo.model_validate(r) for r in rows])
    return json_response(body, status=201)


async def list_source_files(request: web.Request) -> web.Response:
    project_id = (await membership(request)).project_id
    release = request.query.get("release")
    rows = await store.list_files(request.app[POOL], project_id=project_id, release=release)
    return json_response(SourceFileList(files=[SourceFileInfo.model_validate(r) for r in rows]))


async def delete_source_files(request: web.Request) -> web.Response:
    project_id = (await membership(request, role="admin")).project_id
    release = request.query.get("release")
    if release is None:
        raise Invalid("release is required (an empty value deletes the debug-ID-only files).")
    count = await store.delete_release(request.app[POOL], project_id=project_id, release=release)
    request.app[SOURCEMAPS].forget(project_id)
    return json_response(SourceFilesDeleted(deleted=count))


_RELEASE = QueryParam("release", "Only this release's files.")

ENDPOINTS = [
    Endpoint("POST", "/api/v1/projects/{project_id}/sourcemaps", upload_source_files,
             "upload_source_files",
             "Upload minified files and source maps (multipart: release, dist, url_prefix, "
             "files).", response=SourceFileList, status=201, errors=(400, 404, 413, 422)),
    Endpoint("GET", "/api/v1/projects/{project_id}/sourcemaps", list_source_files,
             "list_source_files", "A project's uploaded minified files and source maps.",
             response=SourceFileList, errors=(404,), query=(_RELEASE,)),
    Endpoint("DELETE", "/api/v1/projects/{project_id}/sourcemaps", delete_source_files,
             "delete_source_files", "Delete a release's files (and contents no other names).",
             response=SourceFilesDeleted, errors=(403, 404, 422),
             query=(QueryParam("release", "The release whose files go.", required=True),)),
]  # fmt: skip
