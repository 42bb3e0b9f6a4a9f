"""Uploads through the plain source map API and DSNs for the in-process test server."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from aiohttp import FormData
from e2e import Ctx


async def upload(ctx: Ctx, release: str, folder: Path, **fields: str) -> Any:
    form = FormData()
    form.add_field("release", release)
    for name, value in fields.items():
        form.add_field(name, value)
    for path in sorted(folder.iterdir()):
        form.add_field("file", io.BytesIO(path.read_bytes()), filename=path.name)
    resp = await ctx.client.post(
        f"/api/v1/projects/{ctx.pid}/sourcemaps", data=form, headers=ctx.headers
    )
    return resp.status, await resp.json()


def local_dsn(ctx: Ctx) -> str:
    return str(ctx.project["dsn"]).replace("127.0.0.1:8000", f"{ctx.client.host}:{ctx.client.port}")
