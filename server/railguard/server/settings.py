"""Typed settings, read once from `RAILGUARD_*` environment variables and passed down.

Every command (`serve` and the admin commands alike) derives the public URL from the same
settings, so a DSN printed by `railguard project create` points where `railguard serve` listens.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from railguard.server.sso.config import SsoProvider, load_providers

MiB = 1024 * 1024

# As root the embedded PostgreSQL runs as a system user; its home must need no widening.
ROOT_HOME = Path("/var/lib/railguard")

_WILDCARDS = {"", "0.0.0.0", "::", "[::]"}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def default_home() -> Path:
    """The data directory that holds the embedded PostgreSQL cluster: the user's data folder,
    or /var/lib/railguard as root (whose parents every system user can already traverse)."""
    if os.geteuid() == 0:
        return ROOT_HOME
    return Path(platformdirs.user_data_dir("railguard", appauthor=False))


def served_url(host: str, port: int) -> str:
    """The base URL of a server listening on host:port, as a client elsewhere would reach it:
    a wildcard address is the machine's name, not 0.0.0.0."""
    name = socket.gethostname() if host in _WILDCARDS else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"http://{name}:{port}"


class Settings(BaseSettings):
    """Every knob of the backend. Tests build it with keyword overrides."""

    model_config = SettingsConfigDict(env_prefix="RAILGUARD_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset means the embedded server."
    )
    home: Path = Field(default_factory=default_home, description="Embedded PostgreSQL data home.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_url: str | None = Field(
        default=None,
        description="Base URL used to build DSNs and links; unset means where the server listens.",
    )
    trusted_proxies: Annotated[list[Network], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose X-Forwarded-For / Forwarded "
        "headers name the client; comma-separated. Unset: the peer address is the client.",
    )
    db_pool_min: int = Field(default=2, ge=1)
    db_pool_max: int = Field(default=10, ge=1)

    # Retention: events received more than this many days ago are removed (0 keeps them).
    retention_days: int = Field(default=90, ge=0)
    # Daily partitions created ahead of time by the server's maintenance task.
    partitions_ahead_days: int = Field(default=14, ge=1)
    maintenance_interval_s: float = Field(default=3600.0, gt=0)

    # Ingest limits: docs/sentry-protocol.md §8.
    max_request_compressed: int = 20 * MiB
    max_request_decompressed: int = 100 * MiB
    max_event_size: int = 1 * MiB
    max_store_compressed: int = 200 * 1024
    max_inflight_decompressed: int = Field(
        default=256 * MiB, ge=MiB,
        description="Bytes all requests of a process may hold inflated at once.",
    )  # fmt: skip
    body_read_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a client has to send a whole request body."
    )
    default_key_rate_per_minute: int = Field(default=60_000, ge=1)
    ingest_queue_size: int = Field(default=20_000, ge=1)
    writer_batch_size: int = Field(default=500, ge=1)
    writer_batch_wait_ms: float = Field(default=5.0, ge=0)

    # Source maps: docs/source-maps.md.
    sourcemap_cache_mb: int = Field(
        default=256, ge=1, description="Memory the parsed source maps of a process may use."
    )
    sourcemap_max_file_mb: int = Field(default=50, ge=1, description="Largest uploaded file.")
    sourcemap_max_upload_mb: int = Field(default=200, ge=1, description="Largest upload.")

    # Account protection.
    # Login failures count per address and per (address, account), never per account alone, so
    # failing on purpose cannot lock the owner out (docs/accounts.md).
    login_failures_per_address_account_per_hour: int = 10
    # How stale an organisation's quota state may be in one process (docs/accounts.md).
    quota_check_seconds: float = Field(default=5.0, gt=0, le=300)
    login_failures_per_address_per_hour: int = 300
    argon2_memory_kib: int = 19_456
    argon2_time_cost: int = 2

    # Browser sign-in for devices (docs/sign-in.md).
    device_code_lifetime_s: int = Field(default=600, ge=30, le=3600)
    device_poll_interval_s: int = Field(default=5, ge=1, le=60)

    # Sign-in providers and who may sign up through them (docs/sign-in.md).
    signup: Literal["open", "invite-only", "domains"] | None = Field(
        default=None, description="Unset: open until the first account exists, then invite-only."
    )
    signup_domains: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sso_providers: tuple[SsoProvider, ...] = Field(
        default_factory=lambda: load_providers(os.environ)
    )

    log_level: str = "INFO"

    # Uptime monitoring (docs/uptime.md).
    uptime_builtin_agent: bool = Field(
        default=True, description="Run the server's monitors' checks in this process."
    )
    uptime_concurrency: int = Field(default=500, ge=1, description="Checks in flight at once.")
    uptime_heartbeat_retention_days: int = Field(default=31, ge=1)
    uptime_agent_offline_after: float = Field(
        default=30.0, gt=0, description="Seconds without a report before an agent is offline."
    )
    uptime_maintenance_every: float = Field(default=5.0, gt=0)

    # Performance data (docs/performance.md): raw transactions and spans are kept for less time
    # than the per-route metrics built from them.
    trace_raw_retention_days: int = Field(default=14, ge=1)
    trace_minute_retention_days: int = Field(default=7, ge=1)
    trace_aggregate_retention_days: int = Field(default=400, ge=1)
    trace_snapshot_slow_ms: float = Field(
        default=1000.0, ge=0, description="A transaction this slow (or failed) may keep a snapshot."
    )
    trace_snapshots_per_route_minute: int = Field(default=5, ge=0)
    # Logs, release health, cron monitors (docs/logs-and-health.md).
    log_retention_days: int = Field(default=30, ge=1)
    telemetry_maintenance_every: float = Field(
        default=15.0, gt=0, description="Seconds between cron monitor checks."
    )

    # Alerts: outgoing mail and the dispatcher (docs/alerts.md).
    smtp_host: str | None = Field(default=None, description="SMTP server; unset: no email.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Railguard <railguard@localhost>"
    smtp_ca_file: str | None = Field(default=None, description="Extra CA bundle to trust.")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    alerts_enabled: bool = Field(default=True, description="Run the alert dispatcher here.")
    alert_poll_seconds: float = Field(default=1.0, gt=0)
    alert_retry_base_seconds: float = Field(default=5.0, gt=0)
    alert_retry_cap_seconds: float = Field(default=900.0, gt=0)
    alert_give_up_hours: float = Field(default=24.0, gt=0)
    alert_coalesce_seconds: float = Field(default=0.2, ge=0)
    alert_burst_limit: int = Field(default=5, ge=1)
    alert_burst_window_seconds: float = Field(default=300.0, ge=0)
    alert_burst_hold_seconds: float = Field(default=10.0, ge=0)
    alert_evaluate_seconds: float = Field(default=60.0, gt=0)
    alert_digest_hours: float = Field(default=24.0, gt=0)

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("postgres", "postgresql") or not (parts.hostname or parts.path):
            raise ValueError("must look like postgresql://user:password@host:5432/database")
        try:
            parts.port  # noqa: B018 - raises on a non-numeric port
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://errors.example.com")
        return value

    @field_validator("signup_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lstrip("@") for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def public_base(self) -> str:
        """The explicit public URL, else where this configuration serves."""
        return (self.public_url or served_url(self.host, self.port)).rstrip("/")
