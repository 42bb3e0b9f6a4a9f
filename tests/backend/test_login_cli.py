"""`railguard login --password`: asks for server, email and password, stores a fresh token 0600."""

from __future__ import annotations

import json
import os
import pty
import secrets
import stat
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from support import ServedBackend
from workspace import call


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}


async def test_login_non_interactive_writes_a_private_credentials_file(
    served_backend: ServedBackend, tmp_path: Path
) -> None:
    email = await _email_of_new_user(served_backend, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "railguard.server", "login", "--server", served_backend.url,
         "--email", email, "--password-stdin", "--json"],
        input="correct horse\n", capture_output=True, text=True, env=_env(tmp_path), timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    path = Path(out["credentials_file"])
    assert path == tmp_path / "config" / "railguard" / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["server_url"] == served_backend.url and stored["token"].startswith("rgp_")


async def test_wrong_password_is_one_line_and_writes_nothing(
    served_backend: ServedBackend, tmp_path: Path
) -> None:
    email = await _email_of_new_user(served_backend, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "railguard.server", "login", "--server", served_backend.url,
         "--email", email, "--password-stdin"],
        input="wrong password\n", capture_output=True, text=True, env=_env(tmp_path), timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == "railguard: login failed: Wrong email or password."
    assert not (tmp_path / "config" / "railguard" / "credentials.json").exists()


async def test_login_asks_on_a_terminal(served_backend: ServedBackend, tmp_path: Path) -> None:
    email = await _email_of_new_user(served_backend, tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # child: the CLI on a real terminal
        # The default server is where `serve` listens with the same settings: just press Enter.
        env = {**_env(tmp_path), "RAILGUARD_PORT": str(served_backend.port)}
        argv = [sys.executable, "-m", "railguard.server", "login", "--password"]
        os.execve(sys.executable, argv, env)
    transcript = b""
    answers = [(b"Server", ""), (b"Email", email), (b"Password", "correct horse")]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        transcript += chunk
        if answers and answers[0][0] in transcript.split(b"\n")[-1]:
            os.write(fd, answers.pop(0)[1].encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, transcript.decode(errors="replace")
    assert b"logged in as" in transcript
    assert f"Server [{served_backend.url}]:".encode() in transcript
    assert b"correct horse" not in transcript, "the password is not echoed"


async def _email_of_new_user(backend: ServedBackend, tmp_path: Path) -> str:
    email = f"login-{secrets.token_hex(4)}@example.com"
    async with aiohttp.ClientSession() as session:
        await call(session, "POST", f"{backend.url}/api/v1/auth/signup",
                   json={"email": email, "password": "correct horse"})  # fmt: skip
    return email


async def test_tokens_commands_without_a_login_say_so_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "railguard.server", "tokens", "list",
         "--credentials-file", str(tmp_path / "none.json")],
        capture_output=True, text=True, env=_env(tmp_path), timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "railguard: not signed in: run `railguard login` first\n"


async def test_device_login_against_nothing_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "railguard.server", "login", "--server", "http://127.0.0.1:9",
         "--no-browser"],
        capture_output=True, text=True, env=_env(tmp_path), timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("railguard: cannot reach http://127.0.0.1:9")
    assert result.stderr.count("\n") == 1
