"""Typed settings, read once from `RAILGUARD_*` environment variables and passed down."""

from __future__ import annotations

from pathlib import Path

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

    @property
    def public_base(self) -> str:
        return self.public_url.rstrip("/")
