"""Source map contents go once nothing names them: a deleted release takes its files along (a
trigger) and the periodic maintenance pass collects the contents; contents another project
still names stay, and so does everything of a release that is kept."""

from __future__ import annotations

import json
from pathlib import Path

from e2e import new_project, sql
from jsupload import upload

from railguard.server import db, retention
from support import Api

MAP = {"version": 3, "sources": ["src/app.js"], "names": [], "mappings": "AAAA"}


def _build(folder: Path, body: str) -> Path:
    folder.mkdir()
    (folder / "main.js").write_text(f"{body}\n//# sourceMappingURL=main.js.map\n")
    (folder / "main.js.map").write_text(json.dumps({**MAP, "file": "main.js"}))
    return folder


async def test_a_deleted_releases_contents_are_collected_by_maintenance(
    api: Api, database_url: str, tmp_path: Path
) -> None:
    ctx, other = await new_project(api), await new_project(api)
    shared = _build(tmp_path / "shared", "console.log(1)")
    only = _build(tmp_path / "only", "console.log(2)")
    for context, release, folder in ((ctx, "1.0", only), (ctx, "1.1", shared),
                                     (other, "9.0", shared)):  # fmt: skip
        status, body = await upload(context, release, folder)
        assert status == 201, body
        await ctx.client.post(
            f"/api/v1/projects/{context.pid}/releases", headers=context.headers,
            json={"version": release, "commit": "a" * 40},
        )  # fmt: skip
    blobs = "SELECT count(*) AS n FROM source_blobs"
    before = (await sql(database_url, blobs))[0]["n"]
    assert before == 3  # main.js of each build; the identical map once

    await sql(database_url, "DELETE FROM releases WHERE project_id = $1 AND version = '1.0'",
              ctx.pid)  # fmt: skip
    files = await sql(database_url, "SELECT release FROM source_files WHERE project_id = $1",
                      ctx.pid)  # fmt: skip
    assert sorted(r["release"] for r in files) == ["1.1", "1.1"]
    assert (await sql(database_url, blobs))[0]["n"] == before  # nothing collected yet

    pool = await db.create_pool(database_url)
    try:
        report = await retention.run_once(pool, retention_days=90, ahead_days=1)
    finally:
        await pool.close()
    assert report.source_blobs_collected == 1  # 1.0's main.js; the shared map stays
    assert (await sql(database_url, blobs))[0]["n"] == before - 1
