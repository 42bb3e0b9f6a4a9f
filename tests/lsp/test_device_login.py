"""Browser sign-in end to end: `railguard login` as its own process prints a code, the person
approves it through the web form (over HTTP, as a browser without JavaScript), the language
server then works with nothing but the credentials file the login wrote — it shows the
incident and triages it with the read+triage token — and `railguard tokens revoke` takes the
access away again."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lspkit import CRASH, REPOSITORY, Repo, initialize, open_file, run_command, wait_diagnostics
from pytest_lsp import LanguageClient

from support import ServedBackend
from workspace import Tenant, call

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_CODE = re.compile(r"enter the code ([B-Z]{4}-[B-Z]{4})")


@pytest.fixture
def fast_backend(database_url: str, tmp_path: Path) -> Iterator[ServedBackend]:
    """`railguard serve` whose device grant asks for one-second polls."""
    backend = ServedBackend(
        database_url, tmp_path / "server.log", env={"RAILGUARD_DEVICE_POLL_INTERVAL_S": "1"}
    )
    try:
        yield backend.start()
    finally:
        backend.stop()


async def _person(base: str) -> tuple[str, Tenant]:
    """A signed-up person (email) and their project for the test repository."""
    email = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    credentials = {"email": email, "password": "correct horse"}
    async with aiohttp.ClientSession() as session:
        await call(session, "POST", f"{base}/api/v1/auth/signup", json=credentials)
        login = await call(session, "POST", f"{base}/api/v1/auth/login", json=credentials)
        project = await call(
            session, "POST", f"{base}/api/v1/projects", token=login["token"],
            json={"name": "shop", "repository": REPOSITORY},
        )  # fmt: skip
    return email, Tenant(base, login["token"], project)


async def approve_in_web_form(base: str, email: str, code: str) -> None:
    """Sign in on the web and approve `code`, following the forms a browser would."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as web:
        async with web.get(f"{base}/login") as resp:
            login_csrf = _CSRF.findall(await resp.text())[0]
        form = {"email": email, "password": "correct horse", "csrf_token": login_csrf}
        async with web.post(f"{base}/login", data=form, allow_redirects=False) as resp:
            assert resp.status == 303
        async with web.get(f"{base}/device?user_code={code}") as resp:
            html = await resp.text()
            assert resp.status == 200 and "e2e laptop" in html, html
        form = {"user_code": code, "decision": "approve", "csrf_token": _CSRF.findall(html)[0]}
        async with web.post(f"{base}/device/decide", data=form) as resp:
            assert resp.status == 200 and "is signed in" in await resp.text()


async def _cli(*args: str, home: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config")}
    env = {k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "railguard.server", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def test_railguard_login_in_the_browser_then_the_editor_works_until_revoked(
    client: LanguageClient, fast_backend: ServedBackend, repo: Repo, tmp_path: Path
) -> None:
    base = fast_backend.url
    email, tenant = await _person(base)
    creds = tmp_path / "creds.json"
    login = await _cli(
        "login", "--server", base, "--no-browser", "--credentials-file", str(creds),
        "--device-name", "e2e laptop", home=tmp_path,
    )  # fmt: skip
    assert login.stdout is not None
    first = (await asyncio.wait_for(login.stdout.readline(), 30)).decode()
    found = _CODE.search(first)
    assert found, first
    assert f"open {base}/device " in first
    await approve_in_web_form(base, email, found.group(1))
    out, err = await asyncio.wait_for(login.communicate(), 30)
    assert login.returncode == 0, err.decode()
    assert "signed in as e2e laptop (read triage)" in out.decode()
    stored = json.loads(creds.read_text())
    assert stored["server_url"] == base and stored["token"].startswith("rgp_")
    assert (creds.stat().st_mode & 0o777) == 0o600

    incident = await tenant.report(commit=repo.commit_a, **CRASH)  # type: ignore[arg-type]
    await initialize(client, repo.root, {"serverUrl": base, "credentialsFile": str(creds)})
    uri = open_file(client, repo.calc)
    (diag,) = await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diag.range.start.line == 14
    acked = await run_command(client, "railguard.acknowledgeIncident", [incident["id"]])
    assert acked["status"] == "acknowledged", "the triage scope lets the editor triage"

    listing = await _cli(
        "tokens", "list", "--json", "--credentials-file", str(creds), home=tmp_path
    )
    out, err = await listing.communicate()
    assert listing.returncode == 0, err.decode()
    (device_token,) = [t for t in json.loads(out) if t["device_name"] == "e2e laptop"]
    assert device_token["scopes"] == ["read", "triage"]
    revoke = await _cli(
        "tokens", "revoke", str(device_token["id"]), "--credentials-file", str(creds), home=tmp_path
    )
    out, err = await revoke.communicate()
    assert revoke.returncode == 0 and "revoked token" in out.decode(), err.decode()

    with pytest.raises(Exception, match="revoked"):
        await run_command(client, "railguard.resolveIncident", [incident["id"]])
    async with aiohttp.ClientSession() as session:
        detail: dict[str, Any] = await call(
            session, "GET", f"{base}/api/v1/incidents/{incident['id']}", token=tenant.token
        )
    assert detail["status"] == "acknowledged", "the refused resolve changed nothing"
