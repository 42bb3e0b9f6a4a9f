"""The part of Sentry's API `sentry-cli sourcemaps upload` uses (docs/source-maps.md).

1. `GET /api/0/organizations/{org}/chunk-upload/`: the chunking options (SHA-1, gzip, artifact
   bundles accepted).
2. `POST` the same path: multipart parts `file` or `file_gzip`, each named by its SHA-1; stored
   per user in `upload_chunks`.
3. `POST /api/0/organizations/{org}/artifactbundle/assemble/` with `checksum`, `chunks`,
   `projects`, `version` and `dist`: the missing chunks (`not_found`), or the bundle assembled,
   checked and stored for each project (`ok`).

The token is a personal API token (`SENTRY_AUTH_TOKEN`); the organization slug is ignored; a
project slug is the project's id or its name.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

import orjson
from aiohttp import BodyPartReader, web

from railguard.server.auth import USER, member_of
from railguard.server.db import fetch_all, queries
from railguard.server.endpoints import Endpoint
from railguard.server.errors import BadRequest, Invalid, NotFound, PayloadTooLarge
from railguard.server.keys import POOL, SETTINGS, SOURCEMAPS
from railguard.server.sourcemaps import store
from railguard.server.sourcemaps.bundle import read_bundle

MiB = 2**20
CHUNK_SIZE = 8 * MiB
CHUNKS_PER_REQUEST = 16
MAX_REQUEST = 4 * CHUNK_SIZE


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")


async def chunk_options(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    base = settings.public_base.split("://", 1)[-1].partition("/")[2].rstrip("/")
    path = ("/" + base if base else "") + request.path
    return _json({
        "url": path,  # relative: sentry-cli joins it with its own server URL
        "chunkSize": CHUNK_SIZE, "chunksPerRequest": CHUNKS_PER_REQUEST,
        "maxFileSize": settings.sourcemap_max_upload_mb * MiB, "maxRequestSize": MAX_REQUEST,
        "concurrency": 2, "hashAlgorithm": "sha1", "compression": ["gzip"],
        "accept": ["artifact_bundles"],
    })  # fmt: skip


def _gunzip(data: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise BadRequest(f"a file_gzip part is not gzip: {exc}") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise PayloadTooLarge("a chunk inflates past the chunk size.")
    return out


async def upload_chunks(request: web.Request) -> web.Response:
    user_id = request[USER].id
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("Send the chunks as multipart/form-data.")
    reader = await request.multipart()
    total = count = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name not in ("file", "file_gzip"):
            raise BadRequest("Chunk parts are named file or file_gzip.")
        data = bytearray()
        while chunk := await part.read_chunk(256 * 1024):
            data += chunk
            total += len(chunk)
            if total > MAX_REQUEST or len(data) > CHUNK_SIZE:
                raise PayloadTooLarge("The chunks exceed the advertised sizes.")
        content = _gunzip(bytes(data), CHUNK_SIZE) if part.name == "file_gzip" else bytes(data)
        digest = hashlib.sha1(content, usedforsecurity=False)
        if (part.filename or "").lower() != digest.hexdigest():
            raise Invalid("A chunk's file name must be the SHA-1 of its content.")
        count += 1
        if count > CHUNKS_PER_REQUEST:
            raise PayloadTooLarge("Too many chunks in one request.")
        await queries.insert_upload_chunk(
            request.app[POOL], user_id=user_id, sha1=digest.digest(), content=content
        )
    return _json({})


def _sha1(value: object) -> bytes:
    if not isinstance(value, str) or len(value) != 40:
        raise Invalid("checksums are 40 hex digits.")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise Invalid("checksums are 40 hex digits.") from exc


async def _project_ids(request: web.Request, slugs: object) -> list[int]:
    """Projects named by id or name among the caller's; an unknown one is a 404."""
    if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
        raise Invalid("projects must be a non-empty list of project slugs.")
    rows = await fetch_all(
        queries.list_projects(request.app[POOL], user_id=request[USER].id, repository=None)
    )
    ids = []
    for slug in slugs:
        match = [r["id"] for r in rows if str(r["id"]) == slug or r["name"].lower() == slug.lower()]
        if len(match) != 1:
            raise NotFound(f"No single project named {slug!r}: use its id.")
        ids.append((await member_of(request, match[0], role="admin")).project_id)
    return ids


async def assemble_bundle(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    pool = request.app[POOL]
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError as exc:
        raise BadRequest("The body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise Invalid("The body must be a JSON object.")
    checksum = _sha1(body.get("checksum"))
    chunks_raw = body.get("chunks")
    if not isinstance(chunks_raw, list) or not chunks_raw:
        raise Invalid("chunks must be a non-empty list of SHA-1s.")
    chunks = [_sha1(c) for c in chunks_raw]
    project_ids = await _project_ids(request, body.get("projects"))
    user_id = request[USER].id
    present = {
        bytes(r["sha1"])
        for r in await fetch_all(queries.present_upload_chunks(pool, user_id=user_id, sha1s=chunks))
    }
    missing = [c.hex() for c in chunks if c not in present]
    if missing:
        return _json({"state": "not_found", "missingChunks": missing, "detail": None})
    rows = await fetch_all(queries.upload_chunks(pool, user_id=user_id, sha1s=chunks))
    contents = {bytes(r["sha1"]): bytes(r["content"]) for r in rows}
    data = b"".join(contents[c] for c in chunks)
    if hashlib.sha1(data, usedforsecurity=False).digest() != checksum:
        return _json({"state": "error", "missingChunks": [], "detail": "checksum mismatch"})
    max_file, max_total = (
        settings.sourcemap_max_file_mb * MiB,
        settings.sourcemap_max_upload_mb * MiB,
    )
    bundle = read_bundle(data, max_file=max_file, max_total=max_total)
    release = body.get("version") if isinstance(body.get("version"), str) else bundle.release
    dist = body.get("dist") if isinstance(body.get("dist"), str) else bundle.dist
    for project_id in project_ids:
        await store.save_files(
            pool, project_id=project_id, release=(release or "")[:200], dist=(dist or "")[:64],
            files=bundle.files,
        )  # fmt: skip
        request.app[SOURCEMAPS].forget(project_id)
    await queries.delete_upload_chunks(pool, user_id=user_id, sha1s=chunks)
    return _json({"state": "ok", "missingChunks": [], "detail": None})


ENDPOINTS = [
    Endpoint("GET", "/api/0/organizations/{org}/chunk-upload/", chunk_options,
             "sentry_cli_chunk_options", "sentry-cli: chunked upload options.",
             errors=(401,), content_type="application/json"),
    Endpoint("POST", "/api/0/organizations/{org}/chunk-upload/", upload_chunks,
             "sentry_cli_upload_chunks", "sentry-cli: upload chunks (multipart).",
             errors=(400, 401, 413, 422), content_type="application/json"),
    Endpoint("POST", "/api/0/organizations/{org}/artifactbundle/assemble/", assemble_bundle,
             "sentry_cli_assemble_bundle",
             "sentry-cli: assemble uploaded chunks into an artifact bundle and store its files.",
             errors=(400, 401, 404, 413, 422), content_type="application/json"),
]  # fmt: skip
