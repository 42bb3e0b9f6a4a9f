"""Bundled JavaScript in the editor: a real esbuild bundle, its maps uploaded with
`railguard sourcemaps upload` to a running `railguard serve`, the error reported by the real
`@sentry/node`, and the language server showing the incident on the original source line; a
build whose maps were not uploaded shows on the minified file, and the hover says what to
upload."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from lspkit import TIMEOUT, git, initialize, open_file, options, wait_diagnostics
from lsprotocol import types
from pytest_lsp import LanguageClient

from jsbuild import (  # noqa: F401 - node_modules_fixture is a fixture
    THROW_LINE,
    app_repo,
    bundle,
    node_modules_fixture,
    run_node,
)
from workspace import Tenant, commit_files


async def cli_upload(tenant: Tenant, release: str, folder: Path) -> str:
    """`railguard sourcemaps upload`, the documented command, as a subprocess."""
    env = {**os.environ, "RAILGUARD_TOKEN": tenant.token}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "railguard.server", "sourcemaps", "upload", str(folder),
        "--project", str(tenant.project["id"]), "--release", release,
        "--server", tenant.base_url, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


async def hover_text(client: LanguageClient, uri: str, line: int) -> str:
    hover = await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 4))
        ),
        TIMEOUT,
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_mapped_incident_on_the_source_line_and_unmapped_hover_says_what_to_upload(
    client: LanguageClient, tenant: Tenant, tmp_path: Path, node_modules: Path
) -> None:
    root = (tmp_path / "shop").resolve()
    app_repo(root)
    git(root, "remote", "add", "origin", "git@github.com:acme/shop.git")
    dist = bundle(root, node_modules)
    sha = commit_files(root, {"dist/main.js": (dist / "main.js").read_text()}, "build")
    printed = await cli_upload(tenant, sha, dist)
    assert "~/main.js.map" in printed and "source_map" in printed

    await run_node(root, node_modules, tenant.project["dsn"], sha)  # release = the commit
    # The next build is deployed without uploading its maps.
    dist = bundle(root, node_modules, banner="/* build 2 */")
    sha2 = commit_files(root, {"dist/main.js": (dist / "main.js").read_text()}, "build 2")
    await run_node(root, node_modules, tenant.project["dsn"], sha2)

    await initialize(client, root, options(tenant))
    uri = open_file(client, root / "src" / "billing.js")
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == THROW_LINE - 1
    assert "card missing for ada" in diag.message
    text = await hover_text(client, uri, THROW_LINE - 1)
    assert "chargeCustomer" in text and "src/checkout.js" in text
    assert "Not source-mapped" not in text

    # The SDK sent a window of the minified line between `{snip}` marks; it still places.
    uri = open_file(client, root / "dist" / "main.js")
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 1  # under the banner
    text = await hover_text(client, uri, 1)
    assert "not source-mapped" in text and "Not source-mapped" in text
    assert sha2 in text and "main.js.map" in text
