"""`railguard mcp` through the official SDK's own client over stdio, against `railguard serve`
and a real repository whose history moved the incident's line: list with the current line,
one incident with its mapped stack and suspect commit, search, resolve at HEAD with the user's
token, and the failures (not a repository, no project, another user's incident)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp.client.stdio import stdio_client
from testkit.served import ServedBackend

from mcp import ClientSession, StdioServerParameters
from workspace import IncidentRepo, git, incident_repo, new_tenant


@asynccontextmanager
async def session(repo: IncidentRepo, token: str | None = None) -> AsyncIterator[ClientSession]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo.root),
        "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="railguard-mcp-"),
        "RAILGUARD_URL": repo.tenant.base_url,
        "RAILGUARD_TOKEN": token or repo.tenant.token,
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "railguard.lsp.mcpserver"], env=env,
        cwd=str(repo.root),
    )  # fmt: skip
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        yield client


async def call(client: ClientSession, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    text = result.content[0]
    return json.loads(text.text)  # type: ignore[union-attr]


async def failure(client: ClientSession, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return str(result.content[0].text)  # type: ignore[union-attr]


async def test_assistant_sees_current_lines_and_resolves(
    served_backend: ServedBackend, tmp_path: Path
) -> None:
    repo = await incident_repo(served_backend.url, tmp_path / "shop")
    iid = repo.incident["id"]
    async with session(repo) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        assert {"list_incidents", "get_incident", "search_incidents", "resolve_incident",
                "acknowledge_incident"} <= tools  # fmt: skip

        (listed,) = (await call(client, "list_incidents"))["incidents"]
        assert listed["id"] == iid and listed["file"] == "shop/billing.py"
        assert (listed["reported_line"], listed["line"]) == (2, repo.line_at_head)
        assert listed["placement"] == "exact"

        detail = await call(client, "get_incident", incident_id=iid)
        crash = detail["stack"][0]
        assert (crash["file"], crash["line"], crash["placement"]) == (
            "shop/billing.py", repo.line_at_head, "exact")  # fmt: skip
        suspect = detail["suspect"]
        assert suspect["commit"] == repo.deployed and suspect["title"] == "change"
        assert suspect["author"] == "Test" and suspect["changed_since_deploy"] is False

        found = (await call(client, "search_incidents", query="KeyError"))["incidents"]
        assert [i["id"] for i in found] == [iid]
        assert (await call(client, "search_incidents", query="nothing-like-it"))["incidents"] == []

        resolved = await call(client, "resolve_incident", incident_id=iid)
        assert resolved["status"] == "resolved"
        assert resolved["fix"]["commit"] == repo.head
        assert resolved["fix"]["state"] == "awaiting_deploy"
        assert (await call(client, "list_incidents"))["incidents"] == []

        # Another directory that is not a repository: told, not crashed.
        message = await failure(client, "list_incidents", folder=str(tmp_path))
        assert "not inside a git work tree" in message


async def test_the_token_decides(served_backend: ServedBackend, tmp_path: Path) -> None:
    repo = await incident_repo(served_backend.url, tmp_path / "shop")
    stranger = await new_tenant(served_backend.url, f"github.com/acme/x-{uuid.uuid4().hex[:6]}")
    async with session(repo, token=stranger.token) as client:
        assert "no project of yours" in await failure(client, "list_incidents")
        message = await failure(client, "acknowledge_incident", incident_id=repo.incident["id"])
        assert "404" in message
    git(repo.root, "remote", "set-url", "origin", "git@github.com:acme/unknown.git")
    async with session(repo) as client:
        assert "no project of yours" in await failure(client, "list_incidents")
