"""Typed settings, read once from `RAILGUARD_*` environment variables and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


def default_home() -> Path:
    """The per-user data directory that holds the embedded PostgreSQL cluster."""
    return Path(platformdirs.user_data_dir("railguard", appauthor=False))


class Settings(BaseSettings):
    """Every knob of the backend. Tests build it with keyword overrides."""

    model_config = SettingsConfigDict(env_prefix="RAILGUARD_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset means the embedded server."
    )
    home: Path = Field(default_factory=default_home, description="Embedded PostgreSQL data home.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL used to build DSNs and links."
    )
    db_pool_min: int = Field(default=2, ge=1)
    db_pool_max: int = Field(default=10, ge=1)

    # Ingest limits (see the reference's size table).
    max_request_compressed: int = 20 * MiB
    max_request_decompressed: int = 100 * MiB
    max_event_size: int = 1 * MiB
    max_store_compressed: int = 200 * 1024
    default_key_rate_per_minute: int = Field(default=60_000, ge=1)
    ingest_queue_size: int = Field(default=20_000, ge=1)
    writer_batch_size: int = Field(default=500, ge=1)
    writer_batch_wait_ms: float = Field(default=5.0, ge=0)

    # Account protection.
    login_failures_per_account_per_hour: int = 100
    login_failures_per_address_per_hour: int = 300
    argon2_memory_kib: int = 19_456
    argon2_time_cost: int = 2

    log_level: str = "INFO"

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

    @property
    def public_base(self) -> str:
        return self.public_url.rstrip("/")
