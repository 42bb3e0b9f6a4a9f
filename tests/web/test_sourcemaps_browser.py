"""Bundled browser JavaScript mapped at ingest: the app and the real `@sentry/browser`, bundled
and minified by esbuild (npm), served from another origin to the tests' Chromium; the error the
SDK reports lands on the original source line once the bundle's files are uploaded."""

from __future__ import annotations

import io
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser

from jsbuild import (  # noqa: F401 - node_modules_fixture is a fixture
    NODE,
    THROW_LINE,
    app_repo,
    node_modules_fixture,
)
from support import Api

ENTRY = """\
import * as Sentry from "@sentry/browser";
import { checkout } from "./src/checkout.js";

Sentry.init({ dsn: window.RAILGUARD_DSN, release: "web-1" });
window.runCheckout = async () => {
  try {
    checkout({ owner: "ada", amount: 3 });
  } catch (err) {
    Sentry.captureException(err);
  }
  return Sentry.flush(10000);
};
"""


def browser_bundle(repo: Path, modules: Path) -> Path:
    (repo / "browser.js").write_text(ENTRY)
    proc = subprocess.run(
        [str(modules / ".bin" / "esbuild"), "browser.js", "--bundle", "--minify", "--sourcemap",
         "--format=iife", "--outfile=dist/static/app.js"],
        cwd=repo, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "NODE_PATH": str(NODE / "node_modules")},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return repo / "dist" / "static"


@pytest.fixture
async def shop_site(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """The shop's pages on an origin of their own (another port), as a CDN would serve them."""
    root = tmp_path / "site"
    root.mkdir()
    app = web.Application()
    app.router.add_static("/", root)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/"), root


async def test_browser_bundle_maps_to_the_original_line(
    client: TestClient[Any, Any],
    api: Api,
    chromium: Browser,
    tmp_path: Path,
    node_modules: Path,
    shop_site: tuple[str, Path],
) -> None:
    repo = tmp_path / "shop"
    app_repo(repo)
    static = browser_bundle(repo, node_modules)
    owner = await api.account()
    project = await api.project(owner)
    form = FormData()
    form.add_field("release", "web-1")
    form.add_field("url_prefix", "~/static/")
    for path in sorted(static.iterdir()):
        form.add_field("file", io.BytesIO(path.read_bytes()), filename=path.name)
    resp = await client.post(
        f"/api/v1/projects/{project['id']}/sourcemaps", data=form, headers=owner.headers
    )
    assert resp.status == 201, await resp.text()

    origin, site = shop_site
    (site / "static").mkdir()
    (site / "static" / "app.js").write_bytes((static / "app.js").read_bytes())
    (site / "index.html").write_text(
        f"<!doctype html><title>shop</title><script>window.RAILGUARD_DSN = "
        f'"{project["dsn"]}";</script><script src="/static/app.js"></script>'
    )
    page = await (await chromium.new_context()).new_page()
    await page.goto(f"{origin}/index.html")
    assert await page.evaluate("window.runCheckout()") is True

    resp = await client.get(f"/api/v1/projects/{project['id']}/incidents", headers=owner.headers)
    (incident,) = (await resp.json())["items"]
    top = incident["top_frame"]
    assert (top["path"], top["line"], top["function"]) == (
        "src/billing.js", THROW_LINE, "chargeCustomer",
    )  # fmt: skip
    assert top["context_line"].strip().startswith("throw new Error(")
    assert top["mapping"]["status"] == "mapped"
    assert top["mapping"]["minified_path"] == f"{origin}/static/app.js"
