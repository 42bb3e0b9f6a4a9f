"""`railguard serve` and the admin commands as a new user meets them: links that point where
the server listens, a taken port refused before anything starts, bad settings as one line,
and a quiet Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest

from railguard.server.settings import Settings, served_url
from support import free_port, pg_home, wait_for_health


def railguard(
    *args: str, env: dict[str, str], stdin: str = "", timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "railguard.server", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=timeout,
    )  # fmt: skip


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
    env.update(RAILGUARD_LOG_LEVEL="WARNING", RAILGUARD_ARGON2_MEMORY_KIB="1024",
               RAILGUARD_ARGON2_TIME_COST="1")  # fmt: skip
    env.update(extra)
    return env


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("railguard: "), result.stderr
    return lines[0]


class Served:
    """A `railguard serve` in its own process group, its output in a file."""

    def __init__(self, env: dict[str, str], log: Path, *args: str) -> None:
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "railguard.server", "serve", *args],
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def post_json(url: str, body: object, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=orjson.dumps(body),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return orjson.loads(resp.read())


def get_json(url: str, headers: dict[str, str]) -> Any:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
        return orjson.loads(resp.read())


# 1. Links point where the server listens.


def test_project_create_dsn_uses_the_configured_port(database_url: str) -> None:
    env = base_env(RAILGUARD_DATABASE_URL=database_url, RAILGUARD_PORT="30457")
    user = railguard("user", "create", "--email", "o@example.com", "--password-stdin",
                     env=env, stdin="a long passphrase\n")  # fmt: skip
    assert user.returncode == 0, user.stderr
    created = railguard("project", "create", "--name", "shop", "--repo", "github.com/acme/shop",
                        "--owner", "o@example.com", "--json", env=env)  # fmt: skip
    assert created.returncode == 0, created.stderr
    dsn = orjson.loads(created.stdout)["dsn"]
    assert dsn.endswith("@127.0.0.1:30457/" + str(orjson.loads(created.stdout)["id"]))


def test_served_links_follow_the_port_and_an_explicit_url_is_announced(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = base_env(RAILGUARD_DATABASE_URL=database_url)
    served = Served(env, tmp_path / "a.log", "--port", str(port), "--workers", "1")
    try:
        wait_for_health(f"http://127.0.0.1:{port}", served.proc, served.log)
        banner = served.log.read_text()
        assert f"DSNs and editor links use http://127.0.0.1:{port}" in banner
        base = f"http://127.0.0.1:{port}"
        creds = {"email": "p@example.com", "password": "correct horse"}
        post_json(f"{base}/api/v1/auth/signup", creds)
        token = post_json(f"{base}/api/v1/auth/login", creds)["token"]
        auth = {"Authorization": f"Bearer {token}"}
        body = {"name": "a", "repository": "github.com/a/b"}
        project = post_json(f"{base}/api/v1/projects", body, auth)
        dsn = urlsplit(project["ingest_key"]["dsn"])
        assert (dsn.hostname, dsn.port) == ("127.0.0.1", port), "the DSN reaches this server"
        event = {"event_id": uuid.uuid4().hex, "message": "boom", "level": "error"}
        post_json(f"{base}/api/v1/events", event, {"X-Railguard-Key": str(dsn.username)})
        listed = get_json(f"{base}/api/v1/projects/{project['id']}/incidents", auth)
        (incident,) = listed["items"]
        assert incident["url"].startswith(f"{base}/incidents/"), "editor links reach it too"
    finally:
        served.stop()

    other = free_port()
    env["RAILGUARD_PUBLIC_URL"] = "https://errors.example.com"
    served = Served(env, tmp_path / "b.log", "--port", str(other), "--workers", "1")
    try:
        wait_for_health(f"http://127.0.0.1:{other}", served.proc, served.log)
        banner = served.log.read_text()
        assert (
            "DSNs and editor links use https://errors.example.com (RAILGUARD_PUBLIC_URL)" in banner
        )
        assert f"not http://127.0.0.1:{other} where this server listens" in banner
    finally:
        served.stop()


def test_a_wildcard_host_links_to_the_machine_name_not_to_zero() -> None:
    host = socket.gethostname()
    assert served_url("0.0.0.0", 8123) == f"http://{host}:8123"
    assert served_url("::1", 8123) == "http://[::1]:8123"
    assert Settings(port=30457).public_base == "http://127.0.0.1:30457"
    assert (
        Settings(port=1, public_url="https://e.example/rg/").public_base == "https://e.example/rg"
    )


def test_make_run_says_what_it_is_doing() -> None:
    root = Path(__file__).resolve().parents[2]
    dry = subprocess.run(["make", "-n", "-W", "pyproject.toml", "run"], cwd=root,
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Installing Railguard and its tools" in dry
    assert "first start creates the database" in dry


# 2. A taken port is an error before anything starts.


def test_a_taken_port_is_refused_before_the_database_is_created(tmp_path: Path) -> None:
    home = pg_home(tmp_path)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = railguard("serve", "--port", str(port), env=base_env(RAILGUARD_HOME=str(home)))
    line = one_line_error(result)
    assert f"cannot listen on 127.0.0.1:{port}" in line and "in use" in line
    assert not home.exists(), "nothing was created for a server that cannot listen"


def test_a_second_serve_on_the_same_port_is_refused(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = base_env(RAILGUARD_DATABASE_URL=database_url)
    first = Served(env, tmp_path / "first.log", "--port", str(port), "--workers", "2")
    try:
        wait_for_health(f"http://127.0.0.1:{port}", first.proc, first.log)
        second = railguard("serve", "--port", str(port), env=env)
        line = one_line_error(second)
        assert "another `railguard serve`" in line
        assert first.proc.poll() is None
    finally:
        first.stop()


# 3. Bad configuration: one line, a non-zero exit, never a traceback.


@pytest.mark.parametrize(
    "env, args, expected",
    [
        pytest.param({"RAILGUARD_PORT": "eighty"}, ["serve"], "RAILGUARD_PORT='eighty'",
                     id="non-numeric-port"),
        pytest.param({"RAILGUARD_DATABASE_URL": "mysql://x@y/z"}, ["project", "list"],
                     "RAILGUARD_DATABASE_URL", id="not-postgres"),
        pytest.param({"RAILGUARD_DATABASE_URL": "postgresql://u:secret@localhost:notaport/db"},
                     ["serve"], "bad port", id="malformed-url"),
        pytest.param({"RAILGUARD_DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/db"},
                     ["project", "list"], "cannot connect to the database at "
                     "postgresql://u:***@127.0.0.1:1/db", id="unreachable-admin"),
        pytest.param({"RAILGUARD_DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/db"},
                     ["serve", "--port", "0"], "cannot connect", id="unreachable-serve"),
        pytest.param({"RAILGUARD_DATABASE_URL": "postgresql://u:secret@no-such-host.invalid/db"},
                     ["migrate", "status"], "cannot connect", id="unknown-host"),
        pytest.param({"RAILGUARD_PUBLIC_URL": "errors.example.com"}, ["serve"],
                     "RAILGUARD_PUBLIC_URL", id="public-url-without-scheme"),
        pytest.param({"RAILGUARD_TRUSTED_PROXIES": "10.0.0.0/8,nonsense"}, ["serve"],
                     "RAILGUARD_TRUSTED_PROXIES", id="bad-proxy-network"),
        pytest.param({"RAILGUARD_LOG_LEVEL": "chatty"}, ["project", "list"],
                     "RAILGUARD_LOG_LEVEL='chatty'", id="bad-log-level"),
    ],
)  # fmt: skip
def test_bad_settings_are_one_line(env: dict[str, str], args: list[str], expected: str) -> None:
    line = one_line_error(railguard(*args, env=base_env(**env)))
    assert expected in line
    assert "secret" not in line


def test_an_admin_command_never_creates_a_second_cluster(tmp_path: Path) -> None:
    home = tmp_path / "elsewhere"
    result = railguard("project", "list", env=base_env(RAILGUARD_HOME=str(home)))
    line = one_line_error(result)
    assert line == (
        f"railguard: no database at {home}; start `railguard serve` first or set "
        "RAILGUARD_HOME/RAILGUARD_DATABASE_URL"
    )
    assert not home.exists()


def test_an_admin_command_on_an_unmigrated_database_says_so(
    database_url: str, pg_admin_url: str
) -> None:
    empty = pg_admin_url  # the server's maintenance database: reachable, no Railguard schema
    line = one_line_error(railguard("project", "list", env=base_env(RAILGUARD_DATABASE_URL=empty)))
    assert "has no Railguard schema" in line and "railguard serve" in line


def test_serve_help_documents_every_option_and_setting() -> None:
    out = railguard("serve", "--help", env=base_env()).stdout
    for option in ("--host", "--port", "--workers", "RAILGUARD_DATABASE_URL", "RAILGUARD_HOME",
                   "RAILGUARD_PUBLIC_URL", "RAILGUARD_TRUSTED_PROXIES",
                   "RAILGUARD_RETENTION_DAYS"):  # fmt: skip
        assert option in out, option
    for line in out.splitlines():
        if line.strip().startswith("--"):
            assert len(line.split()) > 2 or "help" in line, f"undocumented: {line}"


def test_lsp_help_documents_its_own_options() -> None:
    result = railguard("lsp", "--help", env=base_env(), timeout=30)
    assert result.returncode == 0
    for option in ("-v", "--version", "--tcp", "--ws"):
        assert option in result.stdout, option


# 6. Ctrl-C in a terminal reaches the whole process group.


def test_ctrl_c_to_the_process_group_is_clean(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = base_env(RAILGUARD_DATABASE_URL=database_url, RAILGUARD_LOG_LEVEL="INFO")
    served = Served(env, tmp_path / "serve.log", "--port", str(port), "--workers", "2")
    try:
        wait_for_health(f"http://127.0.0.1:{port}", served.proc, served.log)
        os.killpg(served.proc.pid, signal.SIGINT)
        code = served.proc.wait(40)
    finally:
        served.stop()
    text = served.log.read_text()
    assert code in (0, 130), text
    assert "Traceback" not in text and "failed" not in text, text
