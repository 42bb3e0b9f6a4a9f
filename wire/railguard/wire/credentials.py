"""The credentials file `railguard login` writes and the language server reads.

`$XDG_CONFIG_HOME/railguard/credentials.json` (platformdirs' user config folder on other
systems) holding `{"server_url": ..., "token": ...}`; created with mode 0600 inside a 0700
folder, since the token acts as the user. Both sides use this module, so they agree on the
path and the format without importing each other.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_config_dir


def default_credentials_path() -> Path:
    """`$XDG_CONFIG_HOME/railguard/credentials.json` (platformdirs on other systems)."""
    return Path(user_config_dir("railguard")) / "credentials.json"


def read_credentials(path: str | Path | None = None) -> tuple[str, str] | None:
    """`(server_url, token)` from the credentials file, or None when absent or unreadable."""
    target = Path(path) if path is not None else default_credentials_path()
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    url, token = data.get("server_url"), data.get("token")
    if isinstance(url, str) and isinstance(token, str) and url and token:
        return url, token
    return None


def write_credentials(server_url: str, token: str, path: str | Path | None = None) -> Path:
    """Write the credentials file with mode 0600 (created so, never widened) and return it.

    The new content goes to a temporary file that is renamed over the old one, so a reader
    (the language server watches this file) never sees half a file.
    """
    target = Path(path) if path is not None else default_credentials_path()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    body = json.dumps({"server_url": server_url, "token": token}, indent=2) + "\n"
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, body.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, target)
    return target
