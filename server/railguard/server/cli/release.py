"""`railguard release create --project N --commit SHA [--previous SHA] --commits-from FILE|-`:
register a deploy over the HTTP API, from CI, with a personal API token (docs/releases.md).

The commits are the first-parent commits since the previous deploy, one SHA a line, e.g. from
`git rev-list --first-parent PREVIOUS..SHA`; blank lines and `#` comments are skipped.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import ValidationError

from railguard.server.cli.output import CliError, emit
from railguard.wire import models as w
from railguard.wire.credentials import read_credentials

_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


def read_commits(source: str) -> list[str]:
    """The SHAs of `source` (a file, or `-` for stdin); a line that is not a SHA is an error."""
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).read_text()
        except OSError as exc:
            raise CliError(f"cannot read {source}: {exc.strerror or exc}") from exc
    commits = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        sha = line.split()[0]
        if not _SHA.match(sha):
            raise CliError(f"{source}:{n}: not a commit SHA: {sha!r}")
        commits.append(sha.lower())
    return commits


def _target(args: argparse.Namespace) -> tuple[str, str]:
    server = args.server or os.environ.get("RAILGUARD_URL")
    token = args.token or os.environ.get("RAILGUARD_TOKEN")
    if not (server and token):
        stored = read_credentials(args.credentials_file)
        if stored is not None:
            server, token = server or stored[0], token or stored[1]
    if not server or not token:
        raise CliError("no server or token: pass --server and --token, set RAILGUARD_URL and "
                       "RAILGUARD_TOKEN, or run `railguard login`")  # fmt: skip
    return server.rstrip("/"), token


async def release_create(args: argparse.Namespace) -> None:
    commits = read_commits(args.commits_from) if args.commits_from else []
    try:
        body = w.ReleaseCreateRequest(
            version=args.version, commit=args.commit, previous=args.previous, commits=commits
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CliError(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None
    server, token = _target(args)
    url = f"{server}/api/v1/projects/{args.project}/releases"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
            session.post(url, data=body.model_dump_json(exclude_none=True), headers={
                **headers, "Content-Type": "application/json"}) as resp,
        ):  # fmt: skip
            raw = await resp.read()
            if resp.status != 201:
                try:
                    message = w.ErrorResponse.model_validate_json(raw).error.message
                except ValidationError:
                    message = f"HTTP {resp.status}"
                raise CliError(f"release not registered: {message}")
            release = w.Release.model_validate_json(raw)
    except aiohttp.ClientError as exc:
        raise CliError(f"cannot reach {server}: {exc}") from exc
    fixes = ", ".join(f"#{i}" for i in release.fixes_deployed) or "none"
    emit(release, as_json=args.json,
         text=f"deploy {release.commit[:12]} registered ({release.commits} commits); "
              f"fixes shipped: {fixes}")  # fmt: skip


def add_release_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    release = sub.add_parser("release", help="register releases and deploys")
    action = release.add_subparsers(dest="action", required=True)
    p = action.add_parser("create", parents=[common], help="register a deploy of a commit")
    p.add_argument("--project", type=int, required=True)
    p.add_argument("--commit", required=True, help="the deployed commit (full SHA)")
    p.add_argument("--previous", default=None, help="the previous deploy's commit")
    p.add_argument("--version", default=None, help="release name (default: the commit)")
    p.add_argument(
        "--commits-from", default=None, metavar="FILE",
        help="first-parent commits since --previous, one a line; - reads stdin",
    )  # fmt: skip
    p.add_argument("--server", default=None, help="backend URL (default: RAILGUARD_URL, login)")
    p.add_argument("--token", default=None, help="API token (default: RAILGUARD_TOKEN, login)")
    p.add_argument("--credentials-file", default=None)
