"""Initialization options, fallbacks and the credentials file."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from railguard.lsp.core.options import Options, parse_options
from railguard.lsp.io.credentials import read_credentials, resolve_settings, write_credentials


@pytest.mark.parametrize(
    ("raw", "options", "problems"),
    [
        pytest.param(None, Options(), 0, id="none"),
        pytest.param(
            {
                "serverUrl": "http://h:8000",
                "token": "rgp_x",
                "project": 3,
                "showRelatedFrames": False,
                "severity": {"warning": "Information"},
            },
            Options("http://h:8000", "rgp_x", 3, None, False, {"warning": "Information"}),
            0,
            id="all",
        ),
        pytest.param({"project": "3"}, Options(), 1, id="project-not-int"),
        pytest.param({"project": True}, Options(), 1, id="bool-is-not-int"),
        pytest.param({"serverUrl": "h:8000"}, Options(), 1, id="url-without-scheme"),
        pytest.param({"severity": {"warning": "Loud"}}, Options(), 1, id="bad-severity"),
        pytest.param(["x"], Options(), 1, id="not-an-object"),
        pytest.param({"unknownThing": 1}, Options(), 0, id="unknown-ignored"),
    ],
)
def test_parse_options(raw: Any, options: Options, problems: int) -> None:
    parsed, found = parse_options(raw)
    assert parsed == options and len(found) == problems


def test_credentials_round_trip_with_0600(tmp_path: Path) -> None:
    path = write_credentials("http://h:8000", "rgp_secret", tmp_path / "rg" / "credentials.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_credentials(path) == ("http://h:8000", "rgp_secret")
    assert read_credentials(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert read_credentials(tmp_path / "bad.json") is None


def test_default_path_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    path = write_credentials("http://h", "t")
    assert path == tmp_path / "railguard" / "credentials.json"
    assert read_credentials() == ("http://h", "t")


def test_fallback_order(tmp_path: Path) -> None:
    creds = write_credentials("http://file", "t_file", tmp_path / "c.json")
    env = {"RAILGUARD_URL": "http://env", "RAILGUARD_TOKEN": "t_env"}
    opts = Options(server_url="http://opt", token="t_opt", credentials_file=str(creds))
    assert resolve_settings(opts, env).server_url == "http://opt"
    s = resolve_settings(Options(credentials_file=str(creds)), env)
    assert (s.server_url, s.token, s.source) == ("http://env", "t_env", "environment")
    s = resolve_settings(Options(credentials_file=str(creds)), {})
    assert (s.server_url, s.token, s.source) == ("http://file", "t_file", "credentials file")
    s = resolve_settings(Options(credentials_file=str(tmp_path / "none.json")), {})
    assert s.problem is not None and "no server configured" in s.problem
    s = resolve_settings(Options(server_url="http://x", credentials_file=str(tmp_path / "n")), {})
    assert s.problem is not None and "no token" in s.problem
