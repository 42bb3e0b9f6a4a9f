"""A fix resolved from the editor, then two deploys, over HTTP against `railguard serve`: the
old build keeps failing without reopening the incident, a commit of unknown ancestry leaves it
"awaiting deploy (ancestry unknown)", the second deploy (registered with `railguard release
create` from `git rev-list`) ships the fix, and only an event from it is a regression."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from testkit.served import ServedBackend

from workspace import Tenant, call, commit_files, git, new_tenant


async def _event(tenant: Tenant, commit: str | None) -> None:
    frame = {"filename": "shop/billing.py", "function": "load_invoice", "lineno": 2,
             "in_app": True, "context_line": "    return invoices[number]"}  # fmt: skip
    event: dict[str, Any] = {"event_id": uuid.uuid4().hex, "error_type": "KeyError",
                             "message": "'missing'", "frames": [frame]}  # fmt: skip
    if commit:
        event["commit_sha"] = commit
    async with aiohttp.ClientSession() as session:
        await call(session, "POST", f"{tenant.base_url}/api/v1/events", json=event,
                   headers={"X-Railguard-Key": tenant.ingest_key}, expect=201)  # fmt: skip


async def _get(tenant: Tenant, path: str) -> Any:
    async with aiohttp.ClientSession() as session:
        return await call(session, "GET", f"{tenant.base_url}/api/v1{path}", token=tenant.token)


def _release_cli(tenant: Tenant, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "RAILGUARD_URL": tenant.base_url,
           "RAILGUARD_TOKEN": tenant.token, "HOME": "/nonexistent"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "railguard.server", "release", "create",
         "--project", str(tenant.project["id"]), *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


async def test_two_deploys(served_backend: ServedBackend, tmp_path: Path) -> None:
    tenant = await new_tenant(served_backend.url, f"github.com/acme/shop-{uuid.uuid4().hex[:6]}")
    root = tmp_path / "shop"
    first = commit_files(root, {"shop/billing.py": "def load_invoice(i, n):\n    return i[n]\n"})
    fix = commit_files(root, {"shop/billing.py": "def load_invoice(i, n):\n    return i.get(n)\n"})
    later = commit_files(root, {"README.md": "shop\n"}, "docs")
    pid = tenant.project["id"]

    # Deploy 1, through the API.
    async with aiohttp.ClientSession() as session:
        await call(session, "POST", f"{served_backend.url}/api/v1/projects/{pid}/releases",
                   token=tenant.token, json={"commit": first}, expect=201)  # fmt: skip
    await _event(tenant, first)
    (incident,) = (await _get(tenant, f"/projects/{pid}/incidents?status=open"))["items"]
    iid = incident["id"]

    # Resolved from the editor at the fix, with the ancestors it computed locally.
    async with aiohttp.ClientSession() as session:
        resolved = await call(
            session, "POST", f"{served_backend.url}/api/v1/incidents/{iid}/resolve",
            token=tenant.token, json={"commit": fix, "ancestors": [first]},
        )  # fmt: skip
    assert resolved["fix"] == {"commit": fix, "state": "awaiting_deploy", "deployed_in": None,
                               "ancestry_known": True}  # fmt: skip
    waiting = await _get(tenant, f"/projects/{pid}/incidents?status=resolved&fix=awaiting_deploy")
    assert [i["id"] for i in waiting["items"]] == [iid]

    # The old build still serves traffic: not a regression.
    await _event(tenant, first)
    incident = await _get(tenant, f"/incidents/{iid}")
    assert incident["status"] == "resolved" and incident["regression_count"] == 0
    assert incident["fix"]["ancestry_known"] is True

    # A build nobody registered: still awaiting, and now the ancestry is unknown.
    await _event(tenant, "e" * 40)
    incident = await _get(tenant, f"/incidents/{iid}")
    assert incident["status"] == "resolved"
    assert incident["fix"]["state"] == "awaiting_deploy"
    assert incident["fix"]["ancestry_known"] is False

    # Deploy 2, from CI: the first-parent commits since deploy 1.
    bad = _release_cli(tenant, "--commit", later, "--commits-from", "-", stdin="not-a-sha\n")
    assert bad.returncode == 1 and bad.stderr.startswith("railguard: -:1: not a commit SHA")
    commits = git(root, "rev-list", "--first-parent", f"{first}..{later}")
    done = _release_cli(tenant, "--commit", later, "--previous", first, "--commits-from", "-",
                        stdin=commits + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"fixes shipped: #{iid}" in done.stdout
    incident = await _get(tenant, f"/incidents/{iid}")
    assert incident["status"] == "resolved"
    assert incident["fix"] == {"commit": fix, "state": "deployed", "deployed_in": later,
                               "ancestry_known": True}  # fmt: skip
    waiting = await _get(tenant, f"/projects/{pid}/incidents?status=resolved&fix=awaiting_deploy")
    assert waiting["items"] == []

    # Still the old build: not a regression. The new deploy fails again: a regression.
    await _event(tenant, first)
    assert (await _get(tenant, f"/incidents/{iid}"))["status"] == "resolved"
    await _event(tenant, later)
    incident = await _get(tenant, f"/incidents/{iid}")
    assert incident["status"] == "open" and incident["change_kind"] == "regressed"
    assert incident["regression_count"] == 1 and incident["fix"] is None


async def test_release_api_refuses_bad_input_and_other_tenants(
    served_backend: ServedBackend,
) -> None:
    tenant = await new_tenant(served_backend.url, f"github.com/acme/a-{uuid.uuid4().hex[:6]}")
    stranger = await new_tenant(served_backend.url, f"github.com/acme/b-{uuid.uuid4().hex[:6]}")
    url = f"{served_backend.url}/api/v1/projects/{tenant.project['id']}/releases"
    sha = "1" * 40
    async with aiohttp.ClientSession() as session:
        await call(session, "POST", url, token=stranger.token, json={"commit": sha}, expect=404)
        await call(session, "POST", url, token=tenant.token, expect=422,
                   json={"commit": sha, "commits": ["zz"]})  # fmt: skip
        await call(session, "POST", url, token=tenant.token, expect=422,
                   json={"commit": sha, "previous": sha})  # fmt: skip
        made = await call(session, "POST", url, token=tenant.token, expect=201,
                          json={"commit": sha.upper(), "commits": ["2" * 40]})  # fmt: skip
    assert made["commit"] == sha and made["version"] == sha and made["commits"] == 2
    none = _release_cli(tenant, "--commit", sha, "--server", "http://127.0.0.1:1")
    assert none.returncode == 1 and none.stderr.startswith("railguard: cannot reach")
