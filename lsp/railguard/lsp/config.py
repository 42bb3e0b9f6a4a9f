"""Configuration: typed initialization options and the credentials file.

Pure code (stdlib, platformdirs). Options arrive camelCase (ARCHITECTURE.md, "Language server
contract"); every field has a default, and a bad value produces a problem message and the
default, never an exception (jedi-language-server's `initialization_options.py` habit).
Fallbacks: `RAILGUARD_URL` / `RAILGUARD_TOKEN`, then `credentials.json` in the user config dir,
written with mode 0600 by `railguard login` through `write_credentials`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

SEVERITY_NAMES = ("Error", "Warning", "Information", "Hint")
LEVELS = ("fatal", "error", "warning", "info", "debug")
NO_SERVER = (
    "Railguard: no server configured. Set serverUrl, RAILGUARD_URL or run `railguard login`."
)
NO_TOKEN = "Railguard: no token configured. Set token, RAILGUARD_TOKEN or run `railguard login`."


@dataclass(frozen=True, slots=True)
class Options:
    server_url: str | None = None
    """Backend base URL, e.g. `http://127.0.0.1:8000` (`serverUrl`)."""
    token: str | None = None
    """Personal API token (`rgp_…`)."""
    project: int | None = None
    """Force this project id instead of matching the `origin` remote."""
    credentials_file: str | None = None
    """Read this credentials file instead of the default one (`credentialsFile`)."""
    show_related_frames: bool = True
    """List in-workspace frames further down the stack as related information."""
    severity: dict[str, str] = field(default_factory=dict)
    """Incident level → LSP severity name, e.g. `{"warning": "Information"}`."""
    notify_new_incidents: bool = False
    """Show a message when the live feed brings a new incident (`notifyNewIncidents`)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the server connects, after the fallbacks; `problem` says why it cannot."""

    server_url: str | None
    token: str | None
    source: str
    problem: str | None = None


def parse_options(raw: Any) -> tuple[Options, list[str]]:
    """Options from `initializationOptions` (camelCase), and the problems found in them."""
    problems: list[str] = []
    if raw is None:
        return Options(), problems
    if not isinstance(raw, Mapping):
        return Options(), [f"initializationOptions must be an object, not {type(raw).__name__}"]
    values: dict[str, Any] = {}

    def take(key: str, attr: str, kinds: tuple[type, ...], what: str) -> None:
        value = raw.get(key)
        if value is None:
            return
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            problems.append(f"initializationOptions.{key} must be {what}; ignored")
            return
        if isinstance(value, str) and not value.strip():
            return
        values[attr] = value.strip() if isinstance(value, str) else value

    take("serverUrl", "server_url", (str,), "a URL string")
    take("token", "token", (str,), "a string")
    take("project", "project", (int,), "a project id (integer)")
    take("credentialsFile", "credentials_file", (str,), "a file path")
    take("showRelatedFrames", "show_related_frames", (bool,), "true or false")
    take("notifyNewIncidents", "notify_new_incidents", (bool,), "true or false")
    severity = raw.get("severity")
    if severity is not None:
        if isinstance(severity, Mapping):
            good = {}
            for level, name in severity.items():
                if level in LEVELS and name in SEVERITY_NAMES:
                    good[level] = name
                else:
                    problems.append(
                        f"initializationOptions.severity.{level}: expected a level "
                        f"({', '.join(LEVELS)}) mapped to one of {', '.join(SEVERITY_NAMES)}"
                    )
            values["severity"] = good
        else:
            problems.append("initializationOptions.severity must be an object; ignored")
    url = values.get("server_url")
    if url is not None and not url.startswith(("http://", "https://")):
        problems.append(f"initializationOptions.serverUrl {url!r} is not an http(s) URL; ignored")
        del values["server_url"]
    return Options(**values), problems


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
