"""The audit log: who did what in an organisation, visible to its owners and admins.

The seam for every feature is one of three calls, made on the connection of the transaction that
does the change (so the entry exists exactly when the change does):

- `record(conn, organization_id=..., actor_id=..., action=..., target=...)` for organisation work,
- `record_for_project(conn, project_id=..., ...)` for a project's keys, settings and incidents,
- `record_for_user(conn, actor_id=..., ...)` for personal acts (sign-ins, tokens): one entry in
  each organisation the person belongs to.

`action` is a dotted verb (`member.role`, `key.revoke`, `incident.resolve`, `session.create`,
`token.create`); `target` names the object (`user:3`, `project:12`); `detail` is small JSON.
"""

from __future__ import annotations

from typing import Any

from railguard.server.db import Executor, fetch_all, queries
from railguard.wire import orgs as o


async def record(
    conn: Executor, *, organization_id: int, actor_id: int | None, action: str, target: str = "",
    detail: dict[str, Any] | None = None, address: str = "",
) -> None:  # fmt: skip
    await queries.record_audit(
        conn, organization_id=organization_id, actor_id=actor_id, action=action,
        target=target, detail=detail or {}, address=address[:100],
    )  # fmt: skip


async def record_for_project(
    conn: Executor, *, project_id: int, actor_id: int | None, action: str, target: str = "",
    detail: dict[str, Any] | None = None, address: str = "",
) -> None:  # fmt: skip
    await queries.record_audit_for_project(
        conn, project_id=project_id, actor_id=actor_id, action=action,
        target=target or f"project:{project_id}", detail=detail or {}, address=address[:100],
    )  # fmt: skip


async def record_for_user(
    conn: Executor, *, actor_id: int, action: str, target: str = "",
    detail: dict[str, Any] | None = None, address: str = "",
) -> None:  # fmt: skip
    await queries.record_audit_for_user(
        conn, actor_id=actor_id, action=action, target=target, detail=detail or {},
        address=address[:100],
    )  # fmt: skip


async def entries(
    db: Executor, *, organization_id: int, before: int | None, limit: int
) -> list[o.AuditEntry]:
    rows = await fetch_all(
        queries.list_audit(db, organization_id=organization_id, before=before, limit=limit)
    )
    return [o.AuditEntry.model_validate(dict(r)) for r in rows]
