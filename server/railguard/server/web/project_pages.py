"""Project pages: the list, creation, and settings with ingest keys, SDK snippets and members.

Every project id in a path is checked against the signed-in person's memberships first:
another tenant's project is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from railguard.server import audit, organizations, privacy, projects
from railguard.server.db import queries
from railguard.server.errors import Conflict, Forbidden, Invalid, NotFound
from railguard.server.http import int_param
from railguard.server.keys import KEY_CACHE, POOL, SETTINGS
from railguard.server.roles import at_least
from railguard.server.views.accounts import client_address
from railguard.server.web import guard
from railguard.server.web.sessions import WebSession
from railguard.server.web.snippets import sdk_snippets
from railguard.wire import models as w


async def member_project(
    request: web.Request, session: WebSession, *, owner: bool = False
) -> dict[str, Any]:
    """The project in the path as this person sees it; 404 when not theirs, 403 when `owner` and
    the person is not an admin or owner of its organisation."""
    project_id = int_param(request, "project_id")
    row = await queries.get_project(request.app[POOL], project_id=project_id,
                                    user_id=session.user_id)  # fmt: skip
    if row is None:
        raise NotFound("No such project.")
    if owner and not at_least(row["role"], "admin"):
        raise Forbidden("This needs the admin role in the organisation.")
    return dict(row)


async def _audit(
    request: web.Request, session: WebSession, project_id: int, action: str, target: str = ""
) -> None:
    await audit.record_for_project(
        request.app[POOL], project_id=project_id, actor_id=session.user_id, action=action,
        target=target, address=client_address(request),
    )  # fmt: skip


def parse_path_rules(text: str) -> list[w.PathRule]:
    """One rule a line: `strip prefix -> source root` (either side may be empty)."""
    rules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        strip, arrow, root = line.partition("->")
        if not arrow:
            strip, root = line, ""
        try:
            rules.append(w.PathRule(strip_prefix=strip.strip(), source_root=root.strip()))
        except ValidationError as exc:
            raise Invalid(f"Path rule on line {number} is too long.") from exc
    return rules


def format_path_rules(rules: list[dict[str, str]]) -> str:
    return "\n".join(f"{r.get('strip_prefix', '')} -> {r.get('source_root', '')}" for r in rules)


async def home(request: web.Request) -> web.StreamResponse:
    await guard.require(request)
    raise guard.redirect("/projects")


async def project_list(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    found = await projects.list_projects(request.app[POOL], user_id=session.user_id)
    return guard.render(request, "projects.html", {"projects": found})


async def _team_orgs(request: web.Request, user_id: int) -> list[Any]:
    """Organisations other than personal ones where the person may create projects."""
    found = await organizations.list_organizations(request.app[POOL], user_id)
    return [o for o in found if not o.personal and at_least(o.role, "admin")]


async def new_project_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    orgs = await _team_orgs(request, session.user_id)
    return guard.render(request, "project_new.html",
                        {"form": {}, "error": "", "organizations": orgs})  # fmt: skip


async def create_project(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    data = await guard.form(request, session)
    names = ("name", "repository", "platform", "path_rules", "organization_id")
    fields = {k: str(data.get(k, "")) for k in names}
    org = fields["organization_id"]
    try:
        body = w.ProjectCreateRequest(
            name=fields["name"].strip(), repository=fields["repository"].strip(),
            platform=fields["platform"].strip() or None,
            path_rules=parse_path_rules(fields["path_rules"]),
            organization_id=int(org) if org.isascii() and org.isdigit() and len(org) < 19 else None,
        )  # fmt: skip
        created = await projects.create_project(
            request.app[POOL], owner_id=session.user_id, request=body,
            public_url=request.app[SETTINGS].public_base,
        )  # fmt: skip
    except (ValidationError, Invalid) as exc:
        message = exc.message if isinstance(exc, Invalid) else _first_error(exc)
        orgs = await _team_orgs(request, session.user_id)
        return guard.render(request, "project_new.html",
                            {"form": fields, "error": message, "organizations": orgs},
                            status=422)  # fmt: skip
    except Conflict as exc:
        orgs = await _team_orgs(request, session.user_id)
        return guard.render(request, "project_new.html",
                            {"form": fields, "error": exc.message, "organizations": orgs},
                            status=409)  # fmt: skip
    raise guard.redirect(f"/projects/{created.id}/settings")


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


async def settings_page(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session)
    return await _render_settings(request, project)


async def _render_settings(
    request: web.Request, project: dict[str, Any], *, error: str = "", status: int = 200
) -> web.Response:
    pool, base = request.app[POOL], request.app[SETTINGS].public_base
    keys = await projects.list_keys(pool, project_id=project["id"], public_url=base)
    live = [k for k in keys if k.revoked_at is None]
    return guard.render(
        request, "project_settings.html",
        {"project": project, "keys": keys, "error": error,
         "path_rules": format_path_rules(project["path_rules"]),
         "members": await projects.list_members(pool, project["id"]),
         "privacy": await privacy.get_privacy(pool, project["id"]),
         "snippets": sdk_snippets(live[0].dsn if live else "<create an ingest key first>")},
        status=status,
    )  # fmt: skip


async def update_settings(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session, owner=True)
    data = await guard.form(request, session)
    try:
        body = w.ProjectUpdateRequest(
            name=str(data.get("name", "")).strip() or None,
            repository=str(data.get("repository", "")).strip() or None,
            platform=str(data.get("platform", "")).strip() or None,
            path_rules=parse_path_rules(str(data.get("path_rules", ""))),
        )  # fmt: skip
        await projects.update_project(request.app[POOL], project_id=project["id"],
                                      role=project["role"], request=body)  # fmt: skip
    except (ValidationError, Invalid, Conflict) as exc:
        message = _first_error(exc) if isinstance(exc, ValidationError) else exc.message
        status = 409 if isinstance(exc, Conflict) else 422
        return await _render_settings(request, project, error=message, status=status)
    request.app[KEY_CACHE].forget()  # path rules travel with cached keys
    await _audit(request, session, project["id"], "project.update")
    raise guard.redirect(f"/projects/{project['id']}/settings")


async def create_key(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session, owner=True)
    data = await guard.form(request, session)
    label = str(data.get("label", "")).strip()[:200]
    key = await projects.create_key(
        request.app[POOL], project_id=project["id"],
        request=w.IngestKeyCreateRequest(label=label),
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    await _audit(request, session, project["id"], "key.create", f"key:{key.id}")
    raise guard.redirect(f"/projects/{project['id']}/settings#keys")


async def revoke_key(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session, owner=True)
    await guard.form(request, session)
    key = await projects.revoke_key(
        request.app[POOL], project_id=project["id"], key_id=int_param(request, "key_id"),
        public_url=request.app[SETTINGS].public_base,
    )  # fmt: skip
    request.app[KEY_CACHE].forget(key.public_key)
    await _audit(request, session, project["id"], "key.revoke", f"key:{key.id}")
    raise guard.redirect(f"/projects/{project['id']}/settings#keys")


async def update_privacy(request: web.Request) -> web.StreamResponse:
    session = await guard.require(request)
    project = await member_project(request, session, owner=True)
    data = await guard.form(request, session)
    body = w.PrivacyUpdateRequest(
        scrub_emails="scrub_emails" in data, scrub_ip_addresses="scrub_ip_addresses" in data
    )
    await privacy.set_privacy(request.app[POOL], project["id"], body)
    request.app[KEY_CACHE].forget()  # the scrubbing policy travels with cached keys
    await _audit(request, session, project["id"], "project.privacy")
    raise guard.redirect(f"/projects/{project['id']}/settings#privacy")


_P = r"/projects/{project_id:\d+}"
ROUTES = [
    ("GET", "/", home),
    ("GET", "/projects", project_list),
    ("GET", "/projects/new", new_project_page),
    ("POST", "/projects/new", create_project),
    ("GET", _P + "/settings", settings_page),
    ("POST", _P + "/settings", update_settings),
    ("POST", _P + "/keys", create_key),
    ("POST", _P + r"/keys/{key_id:\d+}/revoke", revoke_key),
    ("POST", _P + "/privacy", update_privacy),
]
