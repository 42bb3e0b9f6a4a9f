"""Operator commands that act on the database directly: users, tokens, projects, ingest keys."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from pydantic import ValidationError

from railguard.server import accounts, db, projects
from railguard.server.cli.output import CliError, emit, table
from railguard.server.errors import DomainError
from railguard.server.security import password_hasher
from railguard.server.settings import Settings
from railguard.wire import models as w

Command = Callable[[asyncpg.Pool, argparse.Namespace, Settings], Awaitable[None]]


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


async def run_admin(
    command: Command, args: argparse.Namespace, settings: Settings, url: str
) -> None:
    pool = await db.create_pool(url, min_size=1, max_size=2)
    try:
        await command(pool, args, settings)
    except DomainError as exc:
        raise CliError(exc.message) from exc
    except ValidationError as exc:
        raise CliError(_first_error(exc)) from exc
    finally:
        await pool.close()


async def _owned_project(pool: asyncpg.Pool, project_id: int) -> None:
    if await db.queries.project_exists(pool, project_id=project_id):
        return
    raise CliError(f"no project with id {project_id}")


async def user_create(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    body = w.SignupRequest(
        email=args.email, password=password or "x" * 8, display_name=args.name or ""
    )
    if args.password_stdin and not password:
        raise CliError("no password on standard input")
    hasher = password_hasher(settings.argon2_memory_kib, settings.argon2_time_cost)
    user = await accounts.create_user(
        pool, hasher, email=body.email, password=password, display_name=body.display_name
    )
    emit(user, as_json=args.json, text=f"created user {user.id} <{user.email}>")


async def token_create(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    user = await accounts.get_user_by_email(pool, args.email)
    body = w.TokenCreateRequest(name=args.name, expires_in_days=args.expires_in_days)
    token = await accounts.create_token(
        pool, user_id=user["id"], name=body.name, expires_in_days=body.expires_in_days
    )
    emit(
        {"token": token.token, "id": token.id, "name": token.name},
        as_json=args.json,
        text=f"{token.token}\n(shown once; store it now)",
    )


async def project_create(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    owner = await accounts.get_user_by_email(pool, args.owner)
    body = w.ProjectCreateRequest(name=args.name, repository=args.repo, platform=args.platform)
    created = await projects.create_project(
        pool, owner_id=owner["id"], request=body, public_url=settings.public_base
    )
    emit(
        {
            "id": created.id,
            "repository": created.repository,
            "dsn": created.dsn,
            "ingest_key": created.ingest_key.public_key,
        },
        as_json=args.json,
        text=f"project {created.id} ({created.repository})\nDSN: {created.dsn}",
    )


async def project_list(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    rows = await db.fetch_all(db.queries.all_projects(pool))
    data: list[dict[str, Any]] = [
        {**dict(r), "created_at": r["created_at"].isoformat()} for r in rows
    ]
    emit(data, as_json=args.json, text=table(data, ["id", "name", "repository", "owner"]))


async def project_retention(
    pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings
) -> None:
    days = args.days or None
    row = await db.queries.set_project_retention(pool, project_id=args.project, days=days)
    if row is None:
        raise CliError(f"no project with id {args.project}")
    server_wide = f"{settings.retention_days} days" if settings.retention_days else "forever"
    text = (
        f"project {row['id']} keeps events {days} days"
        if days
        else f"project {row['id']} keeps events as long as the server ({server_wide})"
    )
    emit({"id": row["id"], "retention_days": days}, as_json=args.json, text=text)


async def key_create(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    await _owned_project(pool, args.project)
    key = await projects.create_key(
        pool,
        project_id=args.project,
        request=w.IngestKeyCreateRequest(label=args.label or ""),
        public_url=settings.public_base,
    )
    emit(key, as_json=args.json, text=f"key {key.id}: {key.public_key}\nDSN: {key.dsn}")


async def key_list(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    await _owned_project(pool, args.project)
    keys = await projects.list_keys(pool, project_id=args.project, public_url=settings.public_base)
    rows = [{**k.model_dump(), "state": "revoked" if k.revoked_at else "active"} for k in keys]
    emit(keys, as_json=args.json, text=table(rows, ["id", "label", "state", "usage_count", "dsn"]))


async def key_revoke(pool: asyncpg.Pool, args: argparse.Namespace, settings: Settings) -> None:
    await _owned_project(pool, args.project)
    key = await projects.revoke_key(
        pool, project_id=args.project, key_id=args.key_id, public_url=settings.public_base
    )
    emit(key, as_json=args.json, text=f"revoked key {key.id} ({key.public_key})")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("days cannot be negative")
    return value


def add_admin_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    p = user.add_parser("create", parents=[common], help="create a user")
    p.add_argument("--email", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input")  # fmt: skip
    p.set_defaults(admin=user_create)

    token = sub.add_parser("token", help="manage personal API tokens")
    taction = token.add_subparsers(dest="action", required=True)
    p = taction.add_parser("create", parents=[common], help="mint a token for a user")
    p.add_argument("--email", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--expires-in-days", type=int, default=None)
    p.set_defaults(admin=token_create)

    project = sub.add_parser("project", help="manage projects")
    paction = project.add_subparsers(dest="action", required=True)
    p = paction.add_parser("create", parents=[common], help="create a project and its first key")
    p.add_argument("--name", required=True)
    p.add_argument("--repo", required=True, help="clone URL or host/owner/name")
    p.add_argument("--owner", required=True, help="owner's email")
    p.add_argument("--platform", default=None)
    p.set_defaults(admin=project_create)
    p = paction.add_parser("list", parents=[common], help="list projects")
    p.set_defaults(admin=project_list)
    p = paction.add_parser(
        "retention", parents=[common],
        help="keep a project's events fewer days than RAILGUARD_RETENTION_DAYS (0: the default)",
    )  # fmt: skip
    p.add_argument("--project", type=int, required=True)
    p.add_argument("--days", type=_non_negative, required=True)
    p.set_defaults(admin=project_retention)

    key = sub.add_parser("key", help="manage ingest keys (DSNs)")
    kaction = key.add_subparsers(dest="action", required=True)
    p = kaction.add_parser("create", parents=[common], help="create an ingest key")
    p.add_argument("--project", type=int, required=True)
    p.add_argument("--label", default="")
    p.set_defaults(admin=key_create)
    p = kaction.add_parser("list", parents=[common], help="list a project's ingest keys")
    p.add_argument("--project", type=int, required=True)
    p.set_defaults(admin=key_list)
    p = kaction.add_parser("revoke", parents=[common], help="revoke an ingest key")
    p.add_argument("--project", type=int, required=True)
    p.add_argument("key_id", type=int)
    p.set_defaults(admin=key_revoke)
