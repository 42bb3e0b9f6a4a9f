"""`railguard login`: ask for server, email and password; store a fresh token for the editor."""

from __future__ import annotations

import argparse
import getpass
import sys

import aiohttp
from pydantic import ValidationError

from railguard.server.cli.output import CliError, emit
from railguard.wire import models as w
from railguard.wire.credentials import write_credentials


def _ask(prompt: str, default: str | None = None) -> str:
    if not sys.stdin.isatty():
        raise CliError(f"{prompt.strip(': ')} is required (no terminal to ask on)")
    suffix = f" [{default}]" if default else ""
    answer = input(f"{prompt}{suffix}: ").strip()
    return answer or (default or "")


async def login(args: argparse.Namespace, default_server: str) -> None:
    """`default_server`: the public URL the same settings give `serve`."""
    server = (args.server or _ask("Server", default_server)).rstrip("/")
    email = args.email or _ask("Email")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    else:
        raise CliError("password is required: pass --password-stdin")
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
            session.post(
                f"{server}/api/v1/auth/login",
                json={"email": email, "password": password, "token_name": "railguard login"},
            ) as resp,
        ):
            body = await resp.read()
            if resp.status != 201:
                try:
                    message = w.ErrorResponse.model_validate_json(body).error.message
                except ValidationError:
                    message = f"HTTP {resp.status}"
                raise CliError(f"login failed: {message}")
            result = w.LoginResponse.model_validate_json(body)
    except aiohttp.ClientError as exc:
        raise CliError(f"cannot reach {server}: {exc}") from exc
    path = write_credentials(server, result.token, args.credentials_file)
    emit(
        {"server_url": server, "user": result.user.email, "credentials_file": str(path)},
        as_json=args.json,
        text=f"logged in as {result.user.email}; token stored in {path}",
    )
