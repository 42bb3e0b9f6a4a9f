"""The client's options: typed `initializationOptions`, and the settings they resolve to.

Pure code. Options arrive camelCase (docs/ARCHITECTURE.md, "Language server contract"); every
field has a default, and a bad value produces a problem message and the default, never an
exception. Where the settings come from when an option is missing (environment, credentials
file) is `io/credentials.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    monitor_poll_seconds: float = 10.0
    """How often the projects' uptime monitors are counted for the status (`monitorPollSeconds`,
    at least 1)."""


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
    take("monitorPollSeconds", "monitor_poll_seconds", (int, float), "a number of seconds")
    poll = values.get("monitor_poll_seconds")
    if poll is not None and poll < 1:
        problems.append("initializationOptions.monitorPollSeconds must be at least 1; ignored")
        del values["monitor_poll_seconds"]
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
