"""The credentials file both `railguard login` and the language server use."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from railguard.wire.credentials import (
    default_credentials_path,
    read_credentials,
    write_credentials,
)


def test_round_trip_is_private(tmp_path: Path) -> None:
    path = write_credentials("http://h:8000", "rgp_secret", tmp_path / "rg" / "credentials.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_credentials(path) == ("http://h:8000", "rgp_secret")


def test_rewriting_never_widens_the_mode(tmp_path: Path) -> None:
    path = write_credentials("http://a", "t1", tmp_path / "c.json")
    path.chmod(0o644)
    write_credentials("http://b", "t2", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_credentials(path) == ("http://b", "t2")
    assert not path.with_name("c.json.tmp").exists()


@pytest.mark.parametrize(
    "text",
    ["not json", "[1, 2]", '{"server_url": "http://h"}', '{"server_url": "", "token": "t"}'],
)
def test_unreadable_or_incomplete_is_none(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    assert read_credentials(path) is None
    assert read_credentials(tmp_path / "missing.json") is None


def test_default_path_follows_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_credentials_path() == tmp_path / "railguard" / "credentials.json"
    write_credentials("http://h", "t")
    assert read_credentials() == ("http://h", "t")
