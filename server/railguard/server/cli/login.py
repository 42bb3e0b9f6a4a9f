"""`railguard login`: sign in through the browser (device flow) or with email and password,
and store the token where the language server reads it (`railguard.wire.credentials`).

The browser way (default) follows RFC 8628 against the server's own `/oauth/device/code` and
`/oauth/token`: print the code and the page, open the browser when there is one, poll at the
interval the server asks for (longer after `slow_down`) until approved, denied or expired.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import socket
import sys
import webbrowser

import aiohttp
from pydantic import ValidationError

from railguard.server.cli.output import CliError, emit
from railguard.wire import models as w
from railguard.wire.credentials import write_credentials
from railguard.wire.device import GRANT_TYPE, DeviceCode, DeviceToken, OAuthError

CLIENT_ID = "railguard-cli"


def _ask(prompt: str, default: str | None = None) -> str:
    if not sys.stdin.isatty():
        raise CliError(f"{prompt.strip(': ')} is required (no terminal to ask on)")
    suffix = f" [{default}]" if default else ""
    answer = input(f"{prompt}{suffix}: ").strip()
    return answer or (default or "")


async def login(args: argparse.Namespace, default_server: str) -> None:
    """`default_server`: the public URL the same settings give `serve`."""
    if args.password or args.email or args.password_stdin:
        await password_login(args, default_server)
    else:
        await device_login(args, (args.server or default_server).rstrip("/"))


def _open_browser(url: str) -> bool:
    """Open `url` if this machine has a browser; never fails (no display, no browser)."""
    try:
        return webbrowser.open(url, new=2)
    except Exception:  # noqa: BLE001 - any failure just means "type the URL yourself"
        return False


def _say(text: str, *, as_json: bool) -> None:
    # With --json, stdout carries only the result document; instructions go to stderr.
    stream = sys.stderr if as_json else sys.stdout
    stream.write(text + "\n")
    stream.flush()


async def device_login(args: argparse.Namespace, server: str) -> None:
    name = args.device_name or f"railguard CLI on {socket.gethostname()}"
    form = {"client_id": CLIENT_ID, "device_name": name}
    if args.scope:
        form["scope"] = args.scope
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            async with session.post(f"{server}/oauth/device/code", data=form) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise CliError(f"login failed: {_oauth_message(body, resp.status)}")
                code = DeviceCode.model_validate_json(body)
            _say(f"To sign in, open {code.verification_uri} and enter the code {code.user_code}",
                 as_json=args.json)  # fmt: skip
            _say(f"(or open {code.verification_uri_complete})", as_json=args.json)
            if not args.no_browser and _open_browser(code.verification_uri_complete):
                _say("A browser window was opened; approve the device there.", as_json=args.json)
            token = await _poll(session, server, code)
    except aiohttp.ClientError as exc:
        raise CliError(f"cannot reach {server}: {exc}") from exc
    path = write_credentials(server, token.access_token, args.credentials_file)
    emit(
        {"server_url": server, "device_name": name, "scope": token.scope,
         "token_id": token.token_id, "credentials_file": str(path)},
        as_json=args.json,
        text=f"signed in as {name} ({token.scope}); token stored in {path}",
    )  # fmt: skip


async def _poll(session: aiohttp.ClientSession, server: str, code: DeviceCode) -> DeviceToken:
    interval = code.interval
    loop = asyncio.get_running_loop()
    deadline = loop.time() + code.expires_in
    form = {"grant_type": GRANT_TYPE, "device_code": code.device_code, "client_id": CLIENT_ID}
    while loop.time() < deadline:
        await asyncio.sleep(interval)
        async with session.post(f"{server}/oauth/token", data=form) as resp:
            body = await resp.read()
        if resp.status == 200:
            return DeviceToken.model_validate_json(body)
        try:
            error = OAuthError.model_validate_json(body)
        except ValidationError:
            raise CliError(f"login failed: HTTP {resp.status}") from None
        if error.error == "authorization_pending":
            continue
        if error.error == "slow_down":
            interval = error.interval or interval + 5
            continue
        if error.error == "access_denied":
            raise CliError("login failed: the device was denied on the web page")
        if error.error == "expired_token":
            break
        raise CliError(f"login failed: {error.error_description or error.error}")
    raise CliError("login failed: the code expired before it was approved; run login again")


def _oauth_message(body: bytes, status: int) -> str:
    try:
        return OAuthError.model_validate_json(body).error_description or f"HTTP {status}"
    except ValidationError:
        return f"HTTP {status}"


async def password_login(args: argparse.Namespace, default_server: str) -> None:
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
