"""The `railguard` command end to end, as an operator runs it, against real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk

from support import free_port, pg_home, wait_for_health


def run(
    database_url: str,
    *args: str,
    stdin: str = "",
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "RAILGUARD_DATABASE_URL": database_url,
        "RAILGUARD_LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    result = subprocess.run(
        [sys.executable, "-m", "railguard.server", *args],
        input=stdin, capture_output=True, text=True, env=full_env, timeout=60,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, result.stderr
    return result


def run_json(database_url: str, *args: str, stdin: str = "") -> Any:
    return json.loads(run(database_url, *args, "--json", stdin=stdin).stdout)


def test_operator_flow_user_token_project_keys(database_url: str) -> None:
    user = run_json(database_url, "user", "create", "--email", "ops@example.com", "--name", "Ops",
                    "--password-stdin", stdin="a long passphrase\n")  # fmt: skip
    assert user["email"] == "ops@example.com"
    token = run_json(database_url, "token", "create", "--email", "ops@example.com", "--name", "ci")
    assert token["token"].startswith("rgp_")
    project = run_json(
        database_url, "project", "create", "--name", "shop",
        "--repo", "git@github.com:Acme/Shop.git", "--owner", "ops@example.com",
    )  # fmt: skip
    assert set(project) == {"id", "repository", "dsn", "ingest_key"}
    assert project["repository"] == "github.com/acme/shop"
    assert project["dsn"] == f"http://{project['ingest_key']}@127.0.0.1:8000/{project['id']}"
    sentry_sdk.init(dsn=project["dsn"], default_integrations=False)
    sentry_sdk.init()

    listed = run_json(database_url, "project", "list")
    assert [p["repository"] for p in listed] == ["github.com/acme/shop"]
    key = run_json(database_url, "key", "create", "--project", str(project["id"]), "--label", "ci")
    keys = run_json(database_url, "key", "list", "--project", str(project["id"]))
    assert [k["label"] for k in keys] == ["default", "ci"]
    revoked = run_json(
        database_url, "key", "revoke", "--project", str(project["id"]), str(key["id"])
    )
    assert revoked["revoked_at"] is not None

    human = run(database_url, "project", "list").stdout
    assert "github.com/acme/shop" in human and "ops@example.com" in human


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        pytest.param(["user", "create", "--email", "not-an-email", "--password-stdin"],
                     "longenough\n", "email", id="bad-email"),
        pytest.param(["user", "create", "--email", "a@b.co", "--password-stdin"], "short\n",
                     "at least 8", id="short-password"),
        pytest.param(["user", "create", "--email", "a@b.co", "--password-stdin"], "",
                     "no password", id="no-password"),
        pytest.param(["token", "create", "--email", "ghost@example.com", "--name", "x"], "",
                     "No user with email", id="unknown-user"),
        pytest.param(["project", "create", "--name", "x", "--repo", "/local/path",
                      "--owner", "ghost@example.com"], "", "No user", id="unknown-owner"),
        pytest.param(["key", "list", "--project", "424242"], "", "no project with id 424242",
                     id="unknown-project"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line_and_a_failure(
    database_url: str, args: list[str], stdin: str, message: str
) -> None:
    result = run(database_url, *args, stdin=stdin, check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("railguard: "), result.stderr
    assert message in lines[0]


def test_failed_project_create_writes_nothing(database_url: str) -> None:
    run(database_url, "user", "create", "--email", "o@example.com", "--password-stdin",
        stdin="longenough\n")  # fmt: skip
    result = run(database_url, "project", "create", "--name", "x", "--repo", "nonsense",
                 "--owner", "o@example.com", check=False)  # fmt: skip
    assert result.returncode == 1 and "no valid host" in result.stderr
    assert run_json(database_url, "project", "list") == []
    dup = run(database_url, "user", "create", "--email", "O@example.com", "--password-stdin",
              stdin="longenough\n", check=False)  # fmt: skip
    assert dup.returncode == 1 and "already exists" in dup.stderr


def test_migrate_status_down_up(database_url: str) -> None:
    status = run_json(database_url, "migrate", "status")
    assert all(row["applied_at"] for row in status)
    down = run_json(database_url, "migrate", "down", "2")
    assert len(down["reverted"]) == 2
    up = run_json(database_url, "migrate", "up")
    assert up["applied"] == down["reverted"][::-1]


def test_serve_on_embedded_postgres_in_a_fresh_home(tmp_path: Path) -> None:
    """What `make run` does: no database URL, so the embedded server is created and migrated,
    saying so while it works; a second serve on the same home is refused."""
    port = free_port()
    home = pg_home(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
    env.update(RAILGUARD_HOME=str(home), RAILGUARD_LOG_LEVEL="INFO")
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "railguard.server", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for_health(f"http://127.0.0.1:{port}", proc, log, timeout=90)
            second = subprocess.run(
                [sys.executable, "-m", "railguard.server", "serve", "--port", "0"],
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
        finally:
            proc.terminate()
            proc.wait(30)
    text = log.read_text()
    assert "Next steps" in text and "project create" in text
    assert f"creating the embedded PostgreSQL cluster in {home}" in text
    assert "applying database migrations" in text
    assert second.returncode == 1 and "Traceback" not in second.stderr
    assert f"already uses the embedded database in {home}" in second.stderr
    assert not (home / "pgdata" / "postmaster.pid").exists(), "embedded PG stopped"


def test_railguard_lsp_is_the_language_server_on_stdio(tmp_path: Path) -> None:
    """`railguard lsp` hands its arguments and stdio to `python -m railguard.lsp`."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    env.pop("RAILGUARD_URL", None)
    env.pop("RAILGUARD_TOKEN", None)
    version = subprocess.run(
        [sys.executable, "-m", "railguard.server", "lsp", "--version"],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    assert version.stdout.startswith("railguard-lsp ")
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": None, "capabilities": {}}}
    ).encode()  # fmt: skip
    message = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    served = subprocess.run(
        [sys.executable, "-m", "railguard.server", "lsp"],
        input=message, capture_output=True, env=env, timeout=60,
    )  # fmt: skip
    header, _, payload = served.stdout.partition(b"\r\n\r\n")
    fields = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
    assert b"Content-Length" in fields, served.stderr
    reply = json.loads(payload[: int(fields[b"Content-Length"])])
    assert reply["id"] == 1 and "capabilities" in reply["result"]
