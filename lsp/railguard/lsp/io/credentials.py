"""Where the language server connects when an option is missing: `RAILGUARD_URL` /
`RAILGUARD_TOKEN`, then the credentials file (`$XDG_CONFIG_HOME/railguard/credentials.json`,
`{"server_url": ..., "token": ...}`, mode 0600, written by `railguard login`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_config_dir

from railguard.lsp.core.options import NO_SERVER, NO_TOKEN, Options, Settings


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
    """Write the credentials file with mode 0600 (created so, never widened) and return it."""
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


def resolve_settings(options: Options, environ: Mapping[str, str] | None = None) -> Settings:
    """Options first, then the environment, then the credentials file (per field)."""
    env = os.environ if environ is None else environ
    url, token, source = options.server_url, options.token, "initializationOptions"
    if url is None or token is None:
        env_url, env_token = env.get("RAILGUARD_URL") or None, env.get("RAILGUARD_TOKEN") or None
        if env_url or env_token:
            source = "environment"
        url, token = url or env_url, token or env_token
    if url is None or token is None:
        creds = read_credentials(options.credentials_file)
        if creds is not None:
            url, token = url or creds[0], token or creds[1]
            source = "credentials file"
    if url is None:
        return Settings(None, token, source, NO_SERVER)
    if token is None:
        return Settings(url, None, source, NO_TOKEN)
    return Settings(url.rstrip("/"), token, source)


def credentials_stamp(options: Options) -> float | None:
    """mtime of the credentials file in use, to retry when `railguard login` rewrites it."""
    path = options.credentials_file or default_credentials_path()
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None
