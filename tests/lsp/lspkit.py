"""Helpers for the language-server tests: a real git repository whose history moved the crash
line, and the initialize handshake. Imported by the tests; the fixtures are in conftest.py."""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from railguard.wire.models import Frame, Incident
from workspace import Tenant

REPOSITORY = "github.com/acme/shop"
#: The language server's environment: no RAILGUARD_* settings, an empty config directory.
SERVER_ENV = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
SERVER_ENV["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="railguard-lsp-test-")

CALC_AT_A = """\
import math


def helper(x):
    return math.sqrt(x)


def divide(a, b):
    # the crash below
    return a / b


def unused():
    pass
"""  # "return a / b" is line 10 at commit A

ABOVE_IN_B = """\
import os
import sys

BANNER = "☃ café 😀"

"""  # five lines inserted above at HEAD


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


@dataclass
class Repo:
    root: Path
    commit_a: str
    head: str

    @property
    def calc(self) -> Path:
        return self.root / "app" / "calc.py"


async def initialize(client: LanguageClient, root: Path, options: dict[str, object]) -> None:
    spec = getattr(client, "client_spec", "visual-studio-code")
    uri = root.as_uri()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(spec),
            root_uri=uri,
            workspace_folders=[types.WorkspaceFolder(uri=uri, name=root.name)],
            initialization_options=options,
        )
    )


NOW = datetime(2026, 1, 1, tzinfo=UTC)


def make_incident(
    incident_id: int,
    *,
    path: str,
    line: int,
    commit: str | None,
    context_line: str | None = None,
    level: str = "error",
    project_id: int = 1,
    stack: list[Frame] | None = None,
) -> Incident:
    top = Frame(
        path=path,
        original_path=f"/srv/app/{path}",
        function="divide",
        line=line,
        in_app=True,
        context_line=context_line,
    )
    return Incident.model_validate(
        {
            "id": incident_id,
            "project_id": project_id,
            "status": "open",
            "level": level,
            "error_type": "ZeroDivisionError",
            "message": "division by zero",
            "title": "ZeroDivisionError: division by zero",
            "fingerprint": f"fp{incident_id}",
            "grouping_version": 1,
            "event_count": 3,
            "first_seen": NOW,
            "last_seen": NOW,
            "environments": ["production"],
            "first_commit": commit,
            "latest_commit": commit,
            "top_frame": top,
            "stack": stack if stack is not None else [top],
            "change_seq": 0,
            "change_kind": "new",
            "url": f"http://railguard.example/incidents/{incident_id}",
        }
    )


TIMEOUT = 10.0
CRASH = dict(
    path="app/calc.py", line=10, context_line="    return a / b", error_type="ZeroDivisionError",
    message="division by zero", function="divide",
    pre_context=["def divide(a, b):", "    # the crash below"], post_context=["", ""],
)  # fmt: skip


async def wait_diagnostics(
    client: LanguageClient, uri: str, ok: Callable[[list[types.Diagnostic]], bool]
) -> list[types.Diagnostic]:
    """Wait (bounded) until the published diagnostics of `uri` satisfy `ok`."""

    async def loop() -> list[types.Diagnostic]:
        while True:
            current = client.diagnostics.get(uri)
            if current is not None and ok(list(current)):
                return list(current)
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(loop(), TIMEOUT)


def options(tenant: Tenant, **extra: Any) -> dict[str, Any]:
    return {"serverUrl": tenant.base_url, "token": tenant.token, **extra}


def open_file(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=path.read_text())
        )
    )
    return uri


async def run_command(
    client: LanguageClient, command: str, arguments: list[Any] | None = None
) -> Any:
    """`workspace/executeCommand`; every Railguard command answers with a value."""
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=arguments)
    )
    assert result is not None, f"{command} answered nothing"
    return result


def placement_of(diagnostic: types.Diagnostic) -> Any:
    """The `placement` a Railguard diagnostic carries in its `data`."""
    assert isinstance(diagnostic.data, dict), diagnostic.data
    return diagnostic.data["placement"]


async def open_crashed(
    client: LanguageClient, tenant: Tenant, repo: Repo
) -> tuple[dict[str, Any], str, types.Diagnostic]:
    """Report `CRASH` at commit A, start the server on `repo` and open calc.py: the incident
    as the backend answered, the document's URI and its one diagnostic (line 15 at HEAD)."""
    incident: dict[str, Any] = await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    await initialize(client, repo.root, options(tenant))
    uri = open_file(client, repo.calc)
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.code == incident["id"] and diag.range.start.line == 14
    return incident, uri, diag
