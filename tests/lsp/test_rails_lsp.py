"""Ruby on Rails with the real gems: a minimal Rails app (tests/rails/app: Action Controller, no
database, no Bundler) whose controller raises, reported by the official `sentry-ruby` and
`sentry-rails` (Debian's packages, `make rails`) to a running `railguard serve`. The incident
lands on the controller's line, with Rails' backtrace cleaning, `app/` frames in-app and gem
frames not, the controller#action as transaction, and the language server shows it there."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lspkit import TIMEOUT, git, initialize, open_file, options, wait_diagnostics
from lsprotocol import types
from pytest_lsp import LanguageClient

from workspace import Tenant, call, commit_files

APP = Path(__file__).resolve().parent.parent / "rails" / "app"
RAISE_LINE = 11  # app/controllers/orders_controller.rb: `raise KeyError, ...`
CALL_LINE = 4  # `order = find_order(params[:id])`
GEMS = 'require "rails"; require "action_controller/railtie"; require "sentry-rails"'


@pytest.fixture(scope="module")
def ruby() -> str:
    found = shutil.which("ruby")
    usable = found and subprocess.run([found, "-e", GEMS], capture_output=True, timeout=60)
    if not found or not usable or usable.returncode != 0:
        pytest.skip(
            "Ruby on Rails with sentry-ruby and sentry-rails is not installed: `make rails` "
            "installs Debian's ruby-rails, ruby-sentry-ruby and ruby-sentry-rails (as root, "
            "with apt-get)"
        )
    assert found is not None
    return found


async def run_rails(ruby: str, root: Path, dsn: str, release: str) -> None:
    env = {**os.environ, "SENTRY_DSN": dsn, "SENTRY_RELEASE": release}
    proc = await asyncio.create_subprocess_exec(
        ruby, "run.rb", cwd=root, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0 and b"status 500" in out, out.decode()


async def get(tenant: Tenant, path: str) -> Any:
    async with aiohttp.ClientSession() as session:
        return await call(session, "GET", f"{tenant.base_url}{path}", token=tenant.token)


async def test_rails_controller_error_lands_on_its_line_in_the_editor(
    client: LanguageClient, tenant: Tenant, tmp_path: Path, ruby: str
) -> None:
    root = (tmp_path / "shop").resolve()
    files = {str(p.relative_to(APP)): p.read_text() for p in APP.rglob("*") if p.is_file()}
    sha = commit_files(root, files)
    git(root, "remote", "add", "origin", "git@github.com:acme/shop.git")
    await run_rails(ruby, root, tenant.project["dsn"], sha)

    page = await get(tenant, f"/api/v1/projects/{tenant.project['id']}/incidents")
    (incident,) = page["items"]
    assert (incident["error_type"], incident["message"]) == ("KeyError", "order 42 not found")
    assert incident["first_commit"] == sha
    top = incident["top_frame"]
    assert (top["path"], top["line"], top["function"]) == (
        "app/controllers/orders_controller.rb", RAISE_LINE, "find_order",
    )  # fmt: skip
    assert top["in_app"] and top["context_line"].strip().startswith("raise KeyError")
    detail = await get(tenant, f"/api/v1/incidents/{incident['id']}")
    stack = detail["stack"]
    app_frames = [f for f in stack if f["in_app"]]
    assert [(f["path"], f["line"]) for f in app_frames] == [
        ("app/controllers/orders_controller.rb", CALL_LINE),
        ("app/controllers/orders_controller.rb", RAISE_LINE),
    ]
    # Rails' cleaner writes gem frames as `actionpack (6.1.7.10) lib/...`: not in-app, and no
    # repository path (they are not files of the repository).
    gems = [f for f in stack if " (" in (f["original_path"] or "")]
    assert gems and all(not f["in_app"] and f["path"] is None for f in gems)
    (event,) = detail["recent_events"]
    full = await get(tenant, f"/api/v1/incidents/{incident['id']}/events/{event['event_id']}")
    assert full["payload"]["transaction"] == "OrdersController#show"

    await initialize(client, root, options(tenant))
    uri = open_file(client, root / "app" / "controllers" / "orders_controller.rb")
    diags = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diags[0].range.start.line == RAISE_LINE - 1
    assert "order 42 not found" in diags[0].message
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(RAISE_LINE - 1, 4))
        ),
        TIMEOUT,
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "find\\_order" in hover.contents.value and "*(library)*" in hover.contents.value
