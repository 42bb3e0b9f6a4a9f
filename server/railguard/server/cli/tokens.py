"""`railguard tokens list|revoke`: the signed-in user's tokens, through the API with the stored
credential (`railguard login`), so a device can see and revoke its own and the others."""

from __future__ import annotations

import argparse
from typing import Any

import aiohttp
from pydantic import TypeAdapter, ValidationError

from railguard.server.cli.output import CliError, emit, table
from railguard.wire import models as w
from railguard.wire.credentials import read_credentials


def add_token_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    tokens = sub.add_parser("tokens", help="list or revoke your API tokens")
    action = tokens.add_subparsers(dest="action", required=True)
    for name, text in (("list", "your tokens, with their device and scopes"),
                       ("revoke", "revoke one of your tokens by id")):  # fmt: skip
        p = action.add_parser(name, parents=[common], help=text)
        p.add_argument("--credentials-file", default=None)
        if name == "revoke":
            p.add_argument("token_id", type=int)


async def _call(method: str, path: str, credentials_file: str | None) -> Any:
    found = read_credentials(credentials_file)
    if found is None:
        raise CliError("not signed in: run `railguard login` first")
    server, token = found
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.request(
                method, server + path, headers={"Authorization": f"Bearer {token}"}
            ) as resp,
        ):
            body = await resp.read()
    except aiohttp.ClientError as exc:
        raise CliError(f"cannot reach {server}: {exc}") from exc
    if resp.status != 200:
        try:
            message = w.ErrorResponse.model_validate_json(body).error.message
        except ValidationError:
            message = f"HTTP {resp.status}"
        raise CliError(message)
    return body


async def run_tokens(args: argparse.Namespace) -> None:
    if args.action == "list":
        body = await _call("GET", "/api/v1/tokens", args.credentials_file)
        tokens = TypeAdapter(list[w.Token]).validate_json(body)
        rows = [_row(t) for t in tokens]
        columns = ["id", "name", "device", "scopes", "state", "last_used"]
        emit(tokens, as_json=args.json, text=table(rows, columns))
    else:
        body = await _call("DELETE", f"/api/v1/tokens/{args.token_id}", args.credentials_file)
        token = w.Token.model_validate_json(body)
        emit(token, as_json=args.json, text=f"revoked token {token.id} ({token.name})")


def _row(t: w.Token) -> dict[str, Any]:
    used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else ""
    return {"id": t.id, "name": t.name, "device": t.device_name or "", "scopes": " ".join(t.scopes),
            "state": "revoked" if t.revoked_at else "live", "last_used": used}  # fmt: skip
