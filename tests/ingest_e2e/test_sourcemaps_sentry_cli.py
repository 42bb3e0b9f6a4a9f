"""`sentry-cli sourcemaps inject` + `sentry-cli sourcemaps upload` (the real @sentry/cli from npm)
against a running Railguard: the artifact bundle is assembled and stored, and an event from the
injected bundle (real `@sentry/node`, which reports the debug IDs) maps by debug ID alone."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from e2e import Ctx, new_project
from jsupload import local_dsn

from jsbuild import (  # noqa: F401 - node_modules_fixture is a fixture
    THROW_LINE,
    app_repo,
    bundle,
    node_modules_fixture,
    run_node,
)
from support import Api


async def sentry_cli(ctx: Ctx, modules: Path, cwd: Path, *args: str) -> str:
    token = ctx.headers["Authorization"].removeprefix("Bearer ")
    env = {
        **os.environ, "SENTRY_URL": f"http://{ctx.client.host}:{ctx.client.port}",
        "SENTRY_AUTH_TOKEN": token, "SENTRY_ORG": "acme", "SENTRY_PROJECT": str(ctx.pid),
        "SENTRY_LOG_LEVEL": "info",
    }  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        str(modules / ".bin" / "sentry-cli"), *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    text = out.decode()
    assert proc.returncode == 0, text
    return text


async def test_inject_upload_and_map_by_debug_id(
    api: Api, tmp_path: Path, node_modules: Path
) -> None:
    repo = (tmp_path / "shop").resolve()
    app_repo(repo)
    dist = bundle(repo, node_modules)
    ctx = await new_project(api)
    await sentry_cli(ctx, node_modules, repo, "sourcemaps", "inject", "dist")
    debug_id = (dist / "main.js").read_text().rsplit("//# debugId=", 1)[1].strip()
    await sentry_cli(ctx, node_modules, repo, "sourcemaps", "upload", "dist")

    resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/sourcemaps", headers=ctx.headers)
    files: list[dict[str, Any]] = (await resp.json())["files"]
    assert {(f["url"], f["kind"], f["debug_id"], f["release"]) for f in files} == {
        ("~/main.js", "minified_source", debug_id, ""),
        ("~/main.js.map", "source_map", debug_id, ""),
    }

    # The SDK's release has no files: the debug ID alone finds the map.
    await run_node(repo, node_modules, local_dsn(ctx), "unrelated-release")
    (incident,) = await ctx.incidents()
    top = incident["top_frame"]
    assert (top["path"], top["line"], top["function"]) == (
        "src/billing.js", THROW_LINE, "chargeCustomer",
    )  # fmt: skip
    assert top["mapping"] == {**top["mapping"], "status": "mapped", "debug_id": debug_id}

    # A new build injected but never uploaded: its debug ID is unknown, and the hint says so.
    bundle(repo, node_modules, banner="/* build 2 */")
    await sentry_cli(ctx, node_modules, repo, "sourcemaps", "inject", "dist")
    await run_node(repo, node_modules, local_dsn(ctx), "unrelated-release")
    fresh = next(i for i in await ctx.incidents() if i["id"] != incident["id"])
    mapping = fresh["top_frame"]["mapping"]
    assert (mapping["status"], mapping["reason"]) == ("unmapped", "unknown_debug_id")
    assert mapping["debug_id"] in mapping["hint"] and "sentry-cli" in mapping["hint"]


async def test_sentry_cli_refusals(api: Api, tmp_path: Path, node_modules: Path) -> None:
    ctx = await new_project(api)
    stranger = await new_project(api)
    base = "/api/0/organizations/acme"
    resp = await ctx.client.get(f"{base}/chunk-upload/")
    assert resp.status == 401
    resp = await ctx.client.post(
        f"{base}/artifactbundle/assemble/", headers=ctx.headers,
        json={"checksum": "0" * 40, "chunks": ["0" * 40], "projects": [str(stranger.pid)]},
    )  # fmt: skip
    assert resp.status == 404  # another tenant's project is no project
    resp = await ctx.client.post(
        f"{base}/artifactbundle/assemble/", headers=ctx.headers,
        json={"checksum": "0" * 40, "chunks": ["1" * 40], "projects": [str(ctx.pid)]},
    )  # fmt: skip
    assert (await resp.json())["missingChunks"] == ["1" * 40]
