"""Bundled JavaScript mapped at ingest: a real app bundled and minified by esbuild (npm), its
files uploaded through the plain API, its error reported by the real `@sentry/node`. The stored
incident names the original file, line, column and function; frames without a usable map say
why; a second release with a different bundle joins the same incident."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import FormData
from e2e import new_project
from jsupload import local_dsn, upload

from jsbuild import (  # noqa: F401 - node_modules_fixture is a fixture
    THROW_LINE,
    app_repo,
    bundle,
    node_modules_fixture,
    run_node,
    webpack_bundle,
)
from support import Api
from webkit import Browser


def crash(incident: dict[str, Any]) -> dict[str, Any]:
    top: dict[str, Any] = incident["top_frame"]
    return top


async def test_node_bundle_maps_to_the_original_line_and_a_new_bundle_joins(
    api: Api, tmp_path: Path, node_modules: Path
) -> None:
    repo = (tmp_path / "shop").resolve()
    app_repo(repo)
    dist = bundle(repo, node_modules)
    ctx = await new_project(api)
    status, body = await upload(ctx, "1.0.0", dist)
    assert status == 201, body
    assert sorted((f["url"], f["kind"]) for f in body["files"]) == [
        ("~/main.js", "minified_source"), ("~/main.js.map", "source_map"),
    ]  # fmt: skip

    await run_node(repo, node_modules, local_dsn(ctx), "1.0.0")
    (incident,) = await ctx.incidents()
    top = crash(incident)
    assert (top["path"], top["line"], top["function"]) == (
        "src/billing.js", THROW_LINE, "chargeCustomer",
    )  # fmt: skip
    assert top["column"] > 1
    assert top["context_line"].strip().startswith("throw new Error(")
    assert top["mapping"]["status"] == "mapped"
    assert top["mapping"]["minified_path"].endswith("/dist/main.js")
    assert top["mapping"]["minified_line"] == 1
    detail = await ctx.incident(incident["id"])
    caller = [f for f in detail["stack"] if f["path"] == "src/checkout.js"]
    assert caller and caller[0]["function"] == "checkout" and caller[0]["line"] == 5

    # Release 2: a different bundle (another banner shifts every column) of the same code.
    dist = bundle(repo, node_modules, banner="/* build 2 */ var __build = 2;")
    assert (await upload(ctx, "2.0.0", dist))[0] == 201
    await run_node(repo, node_modules, local_dsn(ctx), "2.0.0")
    (joined,) = await ctx.incidents()
    assert joined["id"] == incident["id"] and joined["event_count"] == 2
    assert crash(joined)["line"] == THROW_LINE

    # Release 3 has no upload: the frames keep their minified place and say what to upload.
    await run_node(repo, node_modules, local_dsn(ctx), "3.0.0")
    incidents = await ctx.incidents()
    unmapped = next(i for i in incidents if i["id"] != incident["id"])
    top = crash(unmapped)
    assert top["line"] == 2 and top["original_path"].endswith("/dist/main.js")  # banner: 1
    assert top["mapping"]["status"] == "unmapped"
    assert top["mapping"]["reason"] == "no_map_for_release"
    assert "3.0.0" in top["mapping"]["hint"] and "main.js.map" in top["mapping"]["hint"]

    # The incident pages say the same to people.
    browser = Browser(ctx.client)
    try:
        await browser.sign_in(ctx.owner.email)
        status, html, _ = await browser.get(f"/incidents/{unmapped['id']}")
        assert status == 200
        assert "Not source-mapped:" in html and "release 3.0.0" in html
        status, html, _ = await browser.get(f"/incidents/{incident['id']}")
        assert "Source-mapped from" in html and "/dist/main.js:2:" in html  # release 2
    finally:
        await browser.close()


async def test_webpack_bundle_maps_through_webpack_source_names(
    api: Api, tmp_path: Path, node_modules: Path
) -> None:
    repo = (tmp_path / "shop").resolve()
    app_repo(repo)
    dist = webpack_bundle(repo, node_modules)
    sources = json.loads((dist / "main.js.map").read_text())["sources"]
    assert any(s.startswith("webpack://") for s in sources), sources
    ctx = await new_project(api)
    assert (await upload(ctx, "wp-1", dist))[0] == 201
    await run_node(repo, node_modules, local_dsn(ctx), "wp-1")
    (incident,) = await ctx.incidents()
    top = crash(incident)
    assert (top["path"], top["line"], top["function"]) == (
        "src/billing.js", THROW_LINE, "chargeCustomer",
    )  # fmt: skip
    assert top["original_path"].startswith("webpack://")


async def test_corrupt_and_wrong_maps_are_reported_not_guessed(
    api: Api, tmp_path: Path, node_modules: Path
) -> None:
    repo = (tmp_path / "shop").resolve()
    app_repo(repo)
    dist = bundle(repo, node_modules)
    ctx = await new_project(api)
    (dist / "main.js.map").write_text('{"version": 3, "sources": ["a.js"], "mappings": "@@')
    assert (await upload(ctx, "bad", dist))[0] == 201
    await run_node(repo, node_modules, local_dsn(ctx), "bad")
    (incident,) = await ctx.incidents()
    assert crash(incident)["mapping"]["reason"] == "corrupt_map"
    assert crash(incident)["line"] == 1

    # A valid map of another build: it has no token on the frame's line.
    other = {"version": 3, "sources": ["x.js"], "names": [], "mappings": "AAAA"}
    (dist / "main.js.map").write_text(json.dumps(other))
    (dist / "main.js").write_text("\n\n" + (dist / "main.js").read_text())
    assert (await upload(ctx, "other", dist))[0] == 201
    await run_node(repo, node_modules, local_dsn(ctx), "other")
    # Unmapped frames of the same minified code group together; the latest says why.
    (incident,) = await ctx.incidents()
    assert incident["event_count"] == 2
    assert crash(incident)["mapping"]["reason"] == "no_such_position"
    assert crash(incident)["line"] == 3


async def test_upload_refusals_and_other_tenants(api: Api, tmp_path: Path) -> None:
    ctx = await new_project(api)
    stranger = await new_project(api)
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "main.js").write_text("console.log(1)\n//# sourceMappingURL=main.js.map\n")
    status, body = await upload(stranger, "1", folder)
    assert status == 201
    form = FormData()
    form.add_field("release", "1")
    form.add_field("file", b"x", filename="main.js")
    resp = await ctx.client.post(
        f"/api/v1/projects/{stranger.pid}/sourcemaps", data=form, headers=ctx.headers
    )
    assert resp.status == 404
    (folder / "notes.txt").write_text("hi")
    status, body = await upload(ctx, "1", folder)
    assert status == 422 and "notes.txt" in body["error"]["message"]
    (folder / "notes.txt").unlink()
    status, body = await upload(ctx, "", folder)
    assert status == 422 and "debug ID" in body["error"]["message"]
    resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/sourcemaps", headers=ctx.headers)
    assert (await resp.json())["files"] == []

    # Deleting a release removes its files; the stranger's identical content survives.
    assert (await upload(ctx, "1", folder))[0] == 201
    resp = await ctx.client.delete(
        f"/api/v1/projects/{ctx.pid}/sourcemaps", params={"release": "1"}, headers=ctx.headers
    )
    assert (await resp.json())["deleted"] == 1
    resp = await ctx.client.get(
        f"/api/v1/projects/{stranger.pid}/sourcemaps", headers=stranger.headers
    )
    (kept,) = (await resp.json())["files"]
    assert kept["url"] == "~/main.js" and kept["sourcemap_ref"] == "main.js.map"
