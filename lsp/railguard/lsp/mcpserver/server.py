"""The MCP server: the tools of `tools.py` registered on the official SDK's `MCPServer`, over
stdio. Connection settings are the language server's fallbacks (`RAILGUARD_URL` /
`RAILGUARD_TOKEN`, then the credentials file `railguard login` writes); the token's user is who
acts, so an assistant can do no more than that user (docs/mcp.md)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from railguard.lsp.core.options import Options
from railguard.lsp.io.backend import Backend
from railguard.lsp.io.credentials import resolve_settings
from railguard.lsp.mcpserver.tools import ToolFailure, Tools

T = TypeVar("T")
Folder = Annotated[
    str | None,
    Field(description="Path of the git working copy the question is about (default: the "
                      "directory the server runs in)."),
]  # fmt: skip


async def _told(work: Awaitable[T]) -> T:
    try:
        return await work
    except ToolFailure as e:
        raise ToolError(str(e)) from None


def build(tools: Tools) -> MCPServer:
    server: MCPServer = MCPServer(
        "railguard",
        instructions=(
            "Production incidents of this repository from a Railguard backend, each placed on "
            "its line in the caller's working copy as it is now (line numbers are 1-based and "
            "current, not the deployed ones)."
        ),
    )

    @server.tool()
    async def list_incidents(
        folder: Folder = None,
        status: str = "open,acknowledged",
        environment: str | None = None,
        level: str | None = None,
        limit: int = 50,
    ) -> dict[str, Any]:
        """Incidents of the working copy's project, newest activity first, each with `file` and
        `line` where its crash is in the working copy now. `status` is comma-separated among
        open, acknowledged, resolved, ignored."""
        found = await _told(tools.list_incidents(folder, status, environment, level, limit))
        return {"incidents": found}

    @server.tool()
    async def get_incident(incident_id: int, folder: Folder = None) -> dict[str, Any]:
        """One incident: its stack trace with each in-app frame at its current line, and the
        suspect commit (who last changed the crashing line before the deployed commit, from
        local git blame)."""
        return await _told(tools.get_incident(incident_id, folder))

    @server.tool()
    async def search_incidents(
        query: str, folder: Folder = None, status: str = "open,acknowledged"
    ) -> dict[str, Any]:
        """Search the project's incidents by words of their type, message, file or function."""
        return {"incidents": await _told(tools.search_incidents(query, folder, status))}

    @server.tool()
    async def resolve_incident(incident_id: int, folder: Folder = None) -> dict[str, Any]:
        """Resolve an incident as fixed at the working copy's HEAD: it stays "awaiting deploy"
        until a deploy contains that commit."""
        result: dict[str, Any] = await _told(tools.act(incident_id, "resolve", folder))
        return result

    @server.tool()
    async def acknowledge_incident(incident_id: int) -> dict[str, Any]:
        """Acknowledge an incident: someone is on it."""
        result: dict[str, Any] = await _told(tools.act(incident_id, "acknowledge"))
        return result

    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="railguard mcp", description="Railguard's MCP server for coding assistants (stdio)."
    )
    parser.add_argument("--folder", default=None, help="default working copy (default: cwd)")
    parser.add_argument("--credentials-file", default=None)
    args = parser.parse_args(argv)
    settings = resolve_settings(Options(credentials_file=args.credentials_file))
    if settings.problem is not None or not settings.server_url or not settings.token:
        sys.stderr.write(f"railguard mcp: {settings.problem or 'not configured'}\n")
        raise SystemExit(2)
    backend = Backend(settings.server_url, settings.token)
    tools = Tools(backend, Path(args.folder or os.getcwd()))

    async def run() -> None:
        try:
            await build(tools).run_stdio_async()
        finally:
            await backend.close()

    asyncio.run(run())
