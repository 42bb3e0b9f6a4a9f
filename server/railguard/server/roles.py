"""Organisation roles and what they allow, checked by the domain layer for the changes that are
reached by an incident or outage id rather than a project id (the API and the pages share them).

Roles, weakest first (docs/accounts.md): a viewer reads; a member also triages (status,
assignee, comments, outage acknowledgements); an admin manages projects, keys, alerts, monitors,
members and invitations and reads the audit log; an owner also gives and takes the owner role.
"""

from __future__ import annotations

from railguard.server.db import Executor, queries
from railguard.server.errors import Forbidden, NotFound

ROLES = ("viewer", "member", "admin", "owner")


def at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def _refuse(needed: str) -> Forbidden:
    return Forbidden(f"This needs the {needed} role in the organisation.", code="forbidden")


async def require_incident_role(
    db: Executor, *, user_id: int, incident_id: int, role: str = "member"
) -> str:
    """The caller's role for the incident's project: 404 when not theirs, 403 when too weak."""
    found: str | None = await queries.incident_role(db, incident_id=incident_id, user_id=user_id)
    if found is None:
        raise NotFound("No such incident.")
    if not at_least(found, role):
        raise _refuse(role)
    return found


async def require_project_role_any(
    db: Executor, *, user_id: int, project_id: int, role: str = "admin"
) -> None:
    """Like `require_incident_role` for a project that may be in the trash."""
    found: str | None = await queries.project_role_any(db, project_id=project_id, user_id=user_id)
    if found is None:
        raise NotFound("No such project.")
    if not at_least(found, role):
        raise _refuse(role)


async def refuse_incident_viewers(db: Executor, *, user_id: int, incident_ids: list[int]) -> None:
    """403 when the caller only views the project of any of these incidents."""
    if await queries.viewer_of_any_incident(db, incident_ids=incident_ids, user_id=user_id):
        raise _refuse("member")


async def require_outage_role(db: Executor, *, user_id: int, outage_id: int) -> None:
    """404 when the outage is not the caller's, 403 for a viewer."""
    found: str | None = await queries.outage_role(db, outage_id=outage_id, user_id=user_id)
    if found is None:
        raise NotFound("No such outage.")
    if not at_least(found, "member"):
        raise _refuse("member")
