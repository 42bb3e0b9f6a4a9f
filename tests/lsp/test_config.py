"""Initialization options, fallbacks and the credentials file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from railguard.lsp.core.options import Options, parse_options
from railguard.lsp.io.credentials import credentials_stamp, resolve_settings
from railguard.wire.credentials import write_credentials


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


def test_default_credentials_file_follows_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file format and its round trip are tested in tests/wire; here: the language server
    # finds the file `railguard login` writes when no option or variable names a server.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    write_credentials("http://h", "t")
    s = resolve_settings(Options(), {})
    assert (s.server_url, s.token, s.source) == ("http://h", "t", "credentials file")
    assert credentials_stamp(Options()) is not None


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
