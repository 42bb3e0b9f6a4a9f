"""Every endpoint of the table x every organisation role x own and another organisation.

A role weaker than an endpoint needs gets 403 and changes nothing; the weakest role allowed
succeeds; any role calling with another organisation's ids gets 404, as for ids that do not
exist. Viewers read and never change (their own alert preferences and test alert aside).
New endpoints must be classified here: the walk fails on one it does not know.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
from aiohttp.test_utils import TestClient

from railguard.server.app import all_endpoints
from railguard.server.roles import ROLES, at_least
from support import Account, Api

Client = TestClient[Any, Any]

# Endpoints about the caller only (their account, tokens, lists of what they belong to).
PERSONAL = {
    "me", "create_token", "list_tokens", "revoke_token", "create_project", "list_projects",
    "list_repository_incidents", "search_incidents", "create_organization",
    "list_organizations", "accept_invitation",
    # sentry-cli's organisation-level upload API: the slug is ignored, chunks belong to the
    # caller, and assembling checks the admin role on each named project (tests/ingest_e2e).
    "sentry_cli_chunk_options", "sentry_cli_upload_chunks", "sentry_cli_assemble_bundle",
    "list_trash",  # what the caller may restore, across their organisations
}  # fmt: skip
MEMBER = {
    "resolve_incident", "acknowledge_incident", "ignore_incident", "reopen_incident",
    "bulk_incident_action", "assign_incident", "add_comment", "acknowledge_outage",
    "merge_incidents", "unmerge_incident",
}  # fmt: skip
# Personal settings inside a project: a viewer may keep their own alert preferences.
VIEWER_WRITES = {"put_alert_preferences", "send_test_alert"}
ADMIN_READS = {"list_invitations", "audit_log"}
LAST = "delete_project"  # destroys what the others need


def needed(name: str, method: str) -> str:
    if name in MEMBER:
        return "member"
    if name in VIEWER_WRITES or (method == "GET" and name not in ADMIN_READS):
        return "viewer"
    return "admin"


@dataclass
class Org:
    owner: Account
    ids: dict[str, int] = field(default_factory=dict)
    event: str = ""
    trace: str = ""


async def _telemetry(client: Client, project: dict[str, Any], p: str, h: dict[str, str]) -> str:
    """A transaction (its trace) and a cron check-in (its monitor), through a Sentry envelope."""
    trace, now = uuid.uuid4().hex, time.time()
    transaction = {
        "type": "transaction", "event_id": uuid.uuid4().hex, "transaction": "GET /x",
        "start_timestamp": now - 0.2, "timestamp": now, "spans": [],
        "contexts": {"trace": {"trace_id": trace, "span_id": "ab" * 8, "op": "http.server"}},
    }  # fmt: skip
    check_in = {
        "check_in_id": uuid.uuid4().hex, "monitor_slug": "nightly", "status": "ok",
        "monitor_config": {"schedule": {"type": "crontab", "value": "0 3 * * *"}},
    }  # fmt: skip
    lines: list[dict[str, Any]] = [{}]
    for kind, item in (("transaction", transaction), ("check_in", check_in)):
        lines += [{"type": kind}, item]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    key = project["ingest_key"]["public_key"]
    resp = await client.post(
        f"/api/{project['id']}/envelope/", data=body,
        headers={"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7"},
    )  # fmt: skip
    await _ok(resp, 200)
    for _ in range(200):
        if (await client.get(f"{p}/traces/{trace}", headers=h)).status == 200:
            return trace
        await asyncio.sleep(0.05)
    raise AssertionError("the transaction was not stored")


async def _ok(resp: Any, *statuses: int) -> Any:
    assert resp.status in (statuses or (200, 201)), (resp.method, resp.url, await resp.text())
    return await resp.json()


async def _build(client: Client, api: Api, database_url: str, targets: list[Account]) -> Org:
    """An organisation with one of everything, made through the API (the outage row aside: an
    outage needs a monitor to fail for real, which takes minutes)."""
    owner = await api.account()
    org = Org(owner)
    h = owner.headers
    project = await api.project(owner)
    pid = org.ids["project_id"] = project["id"]
    org.ids["organization_id"] = project["organization_id"]
    p = f"/api/v1/projects/{pid}"
    key = await _ok(await client.post(p + "/keys", json={"label": "spare"}, headers=h), 201)
    org.ids["key_id"] = key["id"]
    frame = {"filename": "app/x.py", "function": "f", "lineno": 2, "in_app": True}
    event = {"error_type": "KeyError", "message": "boom", "frames": [frame]}
    resp = await client.post(
        "/api/v1/events", json=event,
        headers={"X-Railguard-Key": project["ingest_key"]["public_key"]},
    )  # fmt: skip
    await _ok(resp, 201)
    page: dict[str, Any] = {"items": []}
    for _ in range(200):
        page = await _ok(await client.get(p + "/incidents", headers=h))
        if page["items"]:
            break
        await asyncio.sleep(0.05)
    iid = org.ids["incident_id"] = page["items"][0]["id"]
    other = {"error_type": "LookupError", "message": "elsewhere", "frames": [frame]}
    resp = await client.post(
        "/api/v1/events", json=other,
        headers={"X-Railguard-Key": project["ingest_key"]["public_key"]},
    )  # fmt: skip
    await _ok(resp, 201)
    for _ in range(200):
        page = await _ok(await client.get(p + "/incidents", headers=h))
        if len(page["items"]) == 2:
            break
        await asyncio.sleep(0.05)
    org.ids["incident2_id"] = next(i["id"] for i in page["items"] if i["id"] != iid)
    events = await _ok(await client.get(f"/api/v1/incidents/{iid}/events", headers=h))
    org.event = events["items"][0]["event_id"]
    org.trace = await _telemetry(client, project, p, h)
    crons = await _ok(await client.get(p + "/cron-monitors", headers=h))
    org.ids["cron_monitor_id"] = crons[0]["id"]
    rule = {"name": "r", "kind": "new"}
    org.ids["rule_id"] = (await _ok(await client.post(p + "/alerts/rules", json=rule, headers=h)))[
        "id"
    ]
    hook = {"name": "h", "kind": "webhook", "url": "https://example.com/hook", "enabled": False}
    org.ids["channel_id"] = (
        await _ok(await client.post(p + "/alerts/channels", json=hook, headers=h))
    )["id"]
    monitor = {"name": "m", "check": {"kind": "tcp", "host": "127.0.0.1", "port": 9},
               "enabled": False}  # fmt: skip
    org.ids["monitor_id"] = (
        await _ok(await client.post(p + "/monitors", json=monitor, headers=h))
    )["id"]
    agent = await _ok(await client.post(p + "/uptime-agents", json={"name": "a"}, headers=h))
    org.ids["agent_id"] = agent["id"]
    invitation = await _ok(
        await client.post(
            f"/api/v1/organizations/{org.ids['organization_id']}/invitations",
            json={"email": "later@example.com"}, headers=h,
        ), 202,
    )  # fmt: skip
    org.ids["invitation_id"] = invitation["id"]
    conn = await asyncpg.connect(database_url)
    try:
        org.ids["outage_id"] = await conn.fetchval(
            "INSERT INTO outages (project_id, monitor_id, started_at) VALUES ($1, $2, now()) "
            "RETURNING id",
            pid, org.ids["monitor_id"],
        )  # fmt: skip
    finally:
        await conn.close()
    for target in targets:
        await api.join(owner, target, organization_id=org.ids["organization_id"])
    org.ids["user_id"] = targets[0].id if targets else owner.id
    org.ids["token_id"] = 1
    return org


def _body(name: str, org: Org) -> Any:
    if name == "upload_source_files":
        form = aiohttp.FormData()
        form.add_field("release", "1.0")
        form.add_field("file", b"console.log(1)\n", filename="app.js")
        return form
    return {
        "update_project": {"name": "renamed"},
        "add_member": {"email": "someone@example.com"},
        "create_key": {"label": "k"},
        "create_release": {"version": "1.0", "commit": "a" * 40},
        "resolve_incident": {}, "acknowledge_incident": {}, "ignore_incident": {},
        "reopen_incident": {},
        "bulk_incident_action": {"incident_ids": [org.ids["incident_id"]],
                                 "action": "acknowledge"},
        "assign_incident": {"assignee_id": None},
        "merge_incidents": {"incident_ids": [org.ids["incident2_id"]]},
        "add_comment": {"body": "seen"},
        "create_alert_rule": {"name": "r2", "kind": "new"},
        "update_alert_rule": {"name": "r3", "kind": "new"},
        "create_alert_channel": {"name": "h2", "kind": "webhook",
                                 "url": "https://example.com/h2", "enabled": False},
        "put_alert_preferences": {"enabled": True},
        "send_test_alert": {},
        "create_monitor": {"name": "m2", "check": {"kind": "tcp", "host": "127.0.0.1",
                                                   "port": 9}, "enabled": False},
        "update_monitor": {"name": "m3"},
        "create_uptime_agent": {"name": "b"},
        "update_organization": {"name": "Renamed"},
        "change_member_role": {"role": "viewer"},
        "create_invitation": {"email": "invitee@example.com"},
        "set_quota": {"event_quota": None},
    }.get(name)  # fmt: skip


def _path(path: str, org: Org, name: str, user_id: int) -> str:
    values: dict[str, object] = {**org.ids, "event": org.event, "trace": org.trace}
    if name in {"remove_member", "remove_org_member", "change_member_role"}:
        values["user_id"] = user_id
    if name == "unmerge_incident":  # the one merged into the other by `merge_incidents`
        values["incident_id"] = org.ids["incident2_id"]
    query = {
        "route_detail": "?route=GET%20/x", "release_health_hours": "?release=1.0",
        "delete_source_files": "?release=1.0",
    }.get(name, "")  # fmt: skip
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), path) + query


SCOPED = [e for e in all_endpoints() if e.authenticated and e.name not in PERSONAL]
# Deletes after everything else; a restore right after what it restores; the project last.
_RANK = {"restore_incident": 2, LAST: 3, "restore_project": 4}
SCOPED.sort(key=lambda e: _RANK.get(e.name, 1 if e.method == "DELETE" else 0))


def test_every_authenticated_endpoint_is_classified() -> None:
    names = {e.name for e in all_endpoints() if e.authenticated}
    assert PERSONAL | MEMBER | VIEWER_WRITES | ADMIN_READS <= names
    assert len(SCOPED) >= 50, "the walk covers the whole API"


async def _call(client: Client, method: str, path: str, body: Any, who: Account) -> int:
    sent = {"data": body} if isinstance(body, aiohttp.FormData) else {"json": body}
    async with client.request(method, path, headers=who.headers, **sent) as resp:
        return resp.status  # a live stream is left after its headers


async def test_role_matrix(client: Client, api: Api, database_url: str) -> None:
    callers = {role: await api.account() for role in ("admin", "member", "viewer")}
    targets = [await api.account() for _ in range(3)]  # removed, role-changed, project-removed
    mine = await _build(client, api, database_url, [])
    org_id = mine.ids["organization_id"]
    for role, who in callers.items():
        await api.join(mine.owner, who, organization_id=org_id, role=role)
    for target in targets:
        await api.join(mine.owner, target, organization_id=org_id)
    callers["owner"] = mine.owner
    theirs = await _build(client, api, database_url, [])
    target_of = {"remove_org_member": targets[0].id, "change_member_role": targets[1].id,
                 "remove_member": targets[2].id}  # fmt: skip

    refused, hidden = [], []
    for e in SCOPED:
        need = needed(e.name, e.method)
        user_id = target_of.get(e.name, targets[0].id)
        for role in ROLES:
            who = callers[role]
            body = _body(e.name, theirs)
            status = await _call(
                client, e.method, _path(e.path, theirs, e.name, user_id), body, who
            )
            if status != 404:
                hidden.append((e.name, role, status))
            if not at_least(role, need):
                body = _body(e.name, mine)
                path = _path(e.path, mine, e.name, user_id)
                status = await _call(client, e.method, path, body, who)
                if status != 403:
                    refused.append((e.name, role, status))
    assert hidden == [], "another organisation's ids must be 404 for every role"
    assert refused == [], "a weaker role must be refused"

    failed = []
    for e in SCOPED:
        need = needed(e.name, e.method)
        user_id = target_of.get(e.name, targets[0].id)
        path = _path(e.path, mine, e.name, user_id)
        status = await _call(client, e.method, path, _body(e.name, mine), callers[need])
        if not 200 <= status < 300:
            failed.append((e.name, need, status))
    assert failed == [], "the weakest role allowed must succeed"
