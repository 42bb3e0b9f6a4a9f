"""`railguard monitor create|list|delete` and `railguard agent` argument errors, as an operator
runs them: results on stdout, one clear line and exit 1 for bad input."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest

from railguard.server.cli import main


class Ran:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.returncode, self.stdout, self.stderr = code, out, err


@pytest.fixture
def cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    """`railguard ...` in this process (the console entry point itself is covered by
    tests/backend/test_cli.py); returns exit code, stdout and stderr."""
    monkeypatch.setenv("RAILGUARD_DATABASE_URL", database_url)
    monkeypatch.setenv("RAILGUARD_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("RAILGUARD_AGENT_KEY", raising=False)

    def run(*args: str, check: bool = True, stdin: str = "") -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        if check:
            assert code == 0, captured.err
        return Ran(code, captured.out, captured.err)

    return run


def run_json(cli: Any, *args: str) -> Any:
    return json.loads(cli(*args, "--json").stdout)


@pytest.fixture
def project_id(cli: Any) -> int:
    cli("user", "create", "--email", "o@example.com", "--password-stdin",
        stdin="a long passphrase\n")  # fmt: skip
    project = run_json(cli, "project", "create", "--name", "shop",
                       "--repo", "github.com/acme/shop", "--owner", "o@example.com")  # fmt: skip
    return int(project["id"])


def test_monitor_create_list_delete(cli: Any, project_id: int) -> None:
    p = str(project_id)
    web = run_json(cli, "monitor", "create", "--project", p, "--name", "site",
                   "--type", "http", "--url", "https://example.com/health", "--status", "200-299",
                   "--contains", "ok", "--interval", "30", "--retries", "2")  # fmt: skip
    assert web["check"]["status_max"] == 299 and web["check"]["body_contains"] == "ok"
    assert web["interval_seconds"] == 30 and web["retries"] == 2 and web["state"] == "pending"
    dns = run_json(cli, "monitor", "create", "--project", p, "--name", "dns",
                   "--type", "dns", "--host", "example.com", "--record-type", "MX",
                   "--expected", "mail.example.com", "--nameserver", "127.0.0.1")  # fmt: skip
    assert dns["check"]["record_type"] == "MX"
    tcp = run_json(cli, "monitor", "create", "--project", p, "--name", "pg", "--type", "tcp",
                   "--host", "db.internal", "--port", "5432", "--disabled")  # fmt: skip
    listed = cli("monitor", "list", "--project", p).stdout
    assert "GET https://example.com/health" in listed and "db.internal:5432" in listed
    assert "paused" in listed and "example.com MX" in listed
    assert [m["id"] for m in run_json(cli, "monitor", "list", "--project", p)] == [
        web["id"], dns["id"], tcp["id"]
    ]  # fmt: skip
    cli("monitor", "delete", str(tcp["id"]))
    assert len(run_json(cli, "monitor", "list", "--project", p)) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "http"], "--url is required"),
        (["--type", "tcp", "--host", "h"], "--port is required"),
        (["--type", "http", "--url", "ftp://x"], "url"),
        (["--type", "http", "--url", "http://x", "--status", "abc"], "--status"),
        (["--type", "tcp", "--host", "h", "--port", "1", "--interval", "2", "--timeout", "9"],
         "timeout_seconds"),
        (["--type", "dns", "--host", "x.test", "--record-type", "SRV"], "record_type"),
    ],
)  # fmt: skip
def test_bad_monitor_input_is_one_line(
    cli: Any, project_id: int, args: list[str], message: str
) -> None:
    result = cli("monitor", "create", "--project", str(project_id),
                 "--name", "x", *args, check=False)  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("railguard: ") and message in lines[0]


def test_unknown_monitor_and_project(cli: Any) -> None:
    result = cli("monitor", "delete", "424242", check=False)
    assert result.returncode == 1 and "no monitor with id 424242" in result.stderr
    result = cli("monitor", "list", "--project", "424242", check=False)
    assert result.returncode == 1 and "no project with id 424242" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--server", "http://127.0.0.1:9"], "--key"),
     (["--server", "nowhere", "--key", "rga_x"], "--server must be")],
)  # fmt: skip
def test_agent_argument_errors_are_one_line(cli: Any, args: list[str], message: str) -> None:
    result = cli("agent", *args, check=False)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and message in lines[0], result.stderr
