"""Projects and their ingest keys: the data-layer operations behind the API and the CLI."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import asyncpg

from railguard.server import audit, organizations, security
from railguard.server.alerts.store import create_defaults as create_default_alerts
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Conflict, Forbidden, Invalid, NotFound
from railguard.wire import models as w
from railguard.wire.repository import InvalidRepository, normalize_repository


def build_dsn(public_url: str, public_key: str, project_id: int) -> str:
    """`scheme://<key>@host[:port][/prefix]/<project id>`: what every Sentry SDK parses."""
    parts = urlsplit(public_url.rstrip("/"))
    return f"{parts.scheme}://{public_key}@{parts.netloc}{parts.path}/{project_id}"


def repository_identity(text: str) -> str:
    try:
        return normalize_repository(text)
    except InvalidRepository as exc:
        raise Invalid(
            str(exc), details=[{"loc": ["repository"], "msg": str(exc), "type": "value_error"}]
        ) from exc


def project_model(row: Any, role: str | None = None) -> w.Project:
    data = dict(row)
    if role is not None:
        data["role"] = role
    return w.Project.model_validate(data)


def key_model(row: Any, public_url: str) -> w.IngestKey:
    data = dict(row)
    return w.IngestKey(dsn=build_dsn(public_url, data["public_key"], data["project_id"]), **data)


async def create_project(
    pool: asyncpg.Pool,
    *,
    owner_id: int,
    request: w.ProjectCreateRequest,
    public_url: str,
) -> w.ProjectCreated:
    """Create the project in an organisation where the creator is an admin (their personal one
    by default) with a first ingest key, all or nothing. Another tenant's organisation is 404."""
    repository = repository_identity(request.repository)
    rules = [rule.model_dump() for rule in request.path_rules]
    async with pool.acquire() as conn, conn.transaction():
        org_id = request.organization_id
        if org_id is None:
            org_id = await organizations.personal_organization(conn, owner_id)
        else:
            role = await queries.get_org_member_role(conn, organization_id=org_id, user_id=owner_id)
            if role is None:
                raise NotFound("No such organisation.")
            if role not in ("owner", "admin"):
                raise Forbidden("This needs the admin role in the organisation.", code="forbidden")
        try:
            row = await queries.create_project(
                conn, name=request.name, owner_id=owner_id, organization_id=org_id,
                repository=repository, platform=request.platform, path_rules=rules,
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            raise Conflict(
                f"This organisation already has a project for {repository}.",
                code="repository_taken",
            ) from exc
        role = await queries.get_org_member_role(conn, organization_id=org_id, user_id=owner_id)
        key = await _insert_key(conn, row["id"], label="default", rate_limit_per_minute=None)
        await create_default_alerts(conn, row["id"])
        await audit.record(conn, organization_id=org_id, actor_id=owner_id,
                           action="project.create", target=f"project:{row['id']}",
                           detail={"repository": repository})  # fmt: skip
    ingest_key = key_model(key, public_url)
    return w.ProjectCreated(
        **project_model(row, role).model_dump(), dsn=ingest_key.dsn, ingest_key=ingest_key
    )


async def list_projects(
    db: Executor, *, user_id: int, repository: str | None = None
) -> list[w.Project]:
    identity = normalize_repository(repository) if repository else None
    rows = await fetch_all(queries.list_projects(db, user_id=user_id, repository=identity))
    return [project_model(r) for r in rows]


async def update_project(
    db: Executor, *, project_id: int, role: str, request: w.ProjectUpdateRequest
) -> w.Project:
    repository = repository_identity(request.repository) if request.repository else None
    rules = (
        [rule.model_dump() for rule in request.path_rules]
        if request.path_rules is not None
        else None
    )
    try:
        row = await queries.update_project(
            db, project_id=project_id, name=request.name, repository=repository,
            set_platform="platform" in request.model_fields_set, platform=request.platform,
            path_rules=rules,
        )  # fmt: skip
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(
            f"A project for {repository} already exists.", code="repository_taken"
        ) from exc
    if row is None:
        raise NotFound("No such project.")
    return project_model(row, role)


async def delete_project(db: Executor, project_id: int) -> None:
    await queries.soft_delete_project(db, project_id=project_id)


async def list_members(db: Executor, project_id: int) -> list[w.Member]:
    """The members of the project's organisation (they all see the project)."""
    rows = await fetch_all(queries.list_members(db, project_id=project_id))
    return [w.Member.model_validate(dict(r)) for r in rows]


async def _insert_key(
    db: Executor, project_id: int, *, label: str, rate_limit_per_minute: int | None
) -> asyncpg.Record:
    row: asyncpg.Record = await queries.create_key(
        db, project_id=project_id, public_key=security.new_ingest_key(), label=label,
        rate_limit_per_minute=rate_limit_per_minute,
    )  # fmt: skip
    return row


async def create_key(
    db: Executor, *, project_id: int, request: w.IngestKeyCreateRequest, public_url: str
) -> w.IngestKey:
    row = await _insert_key(
        db, project_id, label=request.label, rate_limit_per_minute=request.rate_limit_per_minute
    )
    return key_model(row, public_url)


async def list_keys(db: Executor, *, project_id: int, public_url: str) -> list[w.IngestKey]:
    rows = await fetch_all(queries.list_keys(db, project_id=project_id))
    return [key_model(r, public_url) for r in rows]


async def revoke_key(db: Executor, *, project_id: int, key_id: int, public_url: str) -> w.IngestKey:
    row = await queries.revoke_key(db, project_id=project_id, key_id=key_id)
    if row is None:
        raise NotFound("No such ingest key.")
    return key_model(row, public_url)
