"""`railguard sourcemaps upload --project N --release R DIR`: a build folder's minified files and
source maps to a Railguard server, over the HTTP API (docs/source-maps.md).

The server and token come from `--server` / `RAILGUARD_TOKEN`, else from the credentials file
`railguard login` writes. Files are named `--url-prefix` (default `~/`) + their path in DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp

from railguard.server.cli.output import CliError, emit, table
from railguard.wire.credentials import read_credentials

_SUFFIXES = (".js", ".mjs", ".cjs", ".map")


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise CliError(f"{folder} is not a folder")
    found = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))
    if not found:
        raise CliError(f"{folder} has no .js, .mjs, .cjs or .map files")
    return found


def _target(args: argparse.Namespace) -> tuple[str, str]:
    stored = read_credentials(args.credentials_file)
    server = args.server or (stored[0] if stored else None)
    token = os.environ.get("RAILGUARD_TOKEN") or (stored[1] if stored else None)
    if not server or not token:
        raise CliError(
            "no server or token: run `railguard login` or set --server and RAILGUARD_TOKEN"
        )
    return server.rstrip("/"), token


async def _upload(args: argparse.Namespace) -> list[dict[str, Any]]:
    server, token = _target(args)
    folder = Path(args.folder)
    form = aiohttp.FormData()
    form.add_field("release", args.release)
    form.add_field("dist", args.dist)
    form.add_field("url_prefix", args.url_prefix)
    for path in _files(folder):
        form.add_field("file", path.read_bytes(), filename=path.relative_to(folder).as_posix())
    url = f"{server}/api/v1/projects/{args.project}/sourcemaps"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session,
            session.post(url, data=form, headers=headers) as resp,
        ):
            body = await resp.json(content_type=None)
            if resp.status != 201:
                error = body.get("error", {}) if isinstance(body, dict) else {}
                raise CliError(f"upload refused ({resp.status}): {error.get('message', body)}")
    except aiohttp.ClientError as exc:
        raise CliError(f"cannot reach {server}: {exc}") from None
    files: list[dict[str, Any]] = body["files"]
    return files


def run_sourcemaps(args: argparse.Namespace) -> None:
    files = asyncio.run(_upload(args))
    rows = [{**f, "debug_id": f.get("debug_id") or ""} for f in files]
    emit(files, as_json=args.json, text=table(rows, ["url", "kind", "size", "debug_id"]))


def add_sourcemap_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    maps = sub.add_parser("sourcemaps", help="upload JavaScript source maps")
    action = maps.add_subparsers(dest="action", required=True)
    p = action.add_parser(
        "upload", parents=[common], help="upload a build folder's .js and .map files"
    )
    p.add_argument("folder", help="the build output folder (e.g. dist)")
    p.add_argument("--project", type=int, required=True, help="project id")
    p.add_argument("--release", default="", help="the release the SDK reports")
    p.add_argument("--dist", default="", help="the SDK's dist, if it sets one")
    p.add_argument("--url-prefix", default="~/", help="name prefix (default ~/: any host)")
    p.add_argument("--server", default=None, help="backend URL (default: from railguard login)")
    p.add_argument("--credentials-file", default=None)
