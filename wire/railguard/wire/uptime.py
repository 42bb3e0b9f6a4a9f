"""Wire types of uptime monitoring: monitors and their checks, agents, heartbeats, outages."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AwareDatetime, Field, TypeAdapter, field_validator, model_validator

from railguard.wire.models import Request, Response

MonitorState = Literal["pending", "up", "down", "unknown"]
HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
RecordType = Literal["A", "AAAA", "CNAME", "MX", "NS", "TXT"]
Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:_\-\[\]]+$")]


class HttpCheck(Request):
    """An HTTP(S) request whose answer must be in a status range (and contain a text)."""

    kind: Literal["http"] = "http"
    url: str = Field(max_length=2000, description="http:// or https:// URL.")
    method: HttpMethod = "GET"
    status_min: int = Field(default=200, ge=100, le=599)
    status_max: int = Field(default=399, ge=100, le=599)
    body_contains: str | None = Field(
        default=None, max_length=1000, description="Text the body (first 1 MiB) must contain."
    )
    follow_redirects: bool = Field(
        default=True, description="Follow up to 10 redirects; false judges the 3xx itself."
    )
    verify_tls: bool = True
    cert_expiry_days: int = Field(
        default=14, ge=0, le=365,
        description="Alert when the certificate expires within this many days (0: never).",
    )  # fmt: skip

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be an http:// or https:// URL with a host")
        return value

    @model_validator(mode="after")
    def _range(self) -> HttpCheck:
        if self.status_min > self.status_max:
            raise ValueError("status_min must not exceed status_max")
        return self


class TcpCheck(Request):
    """A TCP connection to host:port that must be accepted."""

    kind: Literal["tcp"] = "tcp"
    host: Host
    port: int = Field(ge=1, le=65535)


class PingCheck(Request):
    """An ICMP echo that must be answered."""

    kind: Literal["ping"] = "ping"
    host: Host


class DnsCheck(Request):
    """A DNS query whose answer must contain a value (or merely exist)."""

    kind: Literal["dns"] = "dns"
    name: Host
    record_type: RecordType = "A"
    expected: str | None = Field(
        default=None, max_length=500,
        description="A value one answer record must equal (e.g. an address); none: any answer.",
    )  # fmt: skip
    nameserver: str | None = Field(
        default=None, description="Resolver IP address; none: the system's resolvers."
    )
    port: int = Field(default=53, ge=1, le=65535)

    @field_validator("nameserver")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        if value is not None:
            ipaddress.ip_address(value)
        return value


Check = Annotated[HttpCheck | TcpCheck | PingCheck | DnsCheck, Field(discriminator="kind")]
CHECK: TypeAdapter[HttpCheck | TcpCheck | PingCheck | DnsCheck] = TypeAdapter(Check)


class MonitorCreateRequest(Request):
    name: str = Field(min_length=1, max_length=200)
    check: Check
    interval_seconds: int = Field(default=60, ge=1, le=86400)
    timeout_seconds: float | None = Field(
        default=None, gt=0, le=300, description="At most the interval; default min(10, interval)."
    )
    retries: int = Field(
        default=1, ge=0, le=10, description="Failed checks tolerated before the monitor is down."
    )
    enabled: bool = True
    agent_id: int | None = Field(
        default=None, description="An external agent of the project; none: the server checks."
    )

    @model_validator(mode="after")
    def _timeout(self) -> MonitorCreateRequest:
        if self.timeout_seconds is None:
            self.timeout_seconds = float(min(10, self.interval_seconds))
        if self.timeout_seconds > self.interval_seconds:
            raise ValueError("timeout_seconds must not exceed interval_seconds")
        return self


class MonitorUpdateRequest(Request):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    enabled: bool | None = None
    interval_seconds: int | None = Field(default=None, ge=1, le=86400)
    timeout_seconds: float | None = Field(default=None, gt=0, le=300)
    retries: int | None = Field(default=None, ge=0, le=10)


class Monitor(Response):
    id: int
    project_id: int
    name: str
    check: Check
    interval_seconds: int
    timeout_seconds: float
    retries: int
    enabled: bool
    agent_id: int | None
    state: MonitorState
    consecutive_failures: int
    last_checked_at: datetime | None
    last_error: str | None
    last_latency_ms: float | None
    cert_expires_at: datetime | None
    created_at: datetime


class MonitorSummary(Response):
    project_id: int
    total: int
    enabled: int
    up: int
    down: int
    unknown: int
    pending: int
    open_outages: int


class WindowStats(Response):
    window: Literal["24h", "7d", "30d"]
    checks: int
    uptime_percent: float | None = Field(description="None when nothing was checked.")
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None


class MonitorStats(Response):
    monitor_id: int
    windows: list[WindowStats]


class Heartbeat(Response):
    checked_at: datetime
    ok: bool
    latency_ms: float | None
    error: str | None
    agent_id: int | None


class Outage(Response):
    id: int
    project_id: int
    monitor_id: int
    started_at: datetime
    first_error: str | None
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    resolved_at: datetime | None
    time_to_resolve: float | None = Field(description="Seconds from started_at to resolved_at.")


class AgentCreateRequest(Request):
    name: str = Field(min_length=1, max_length=100)


class Agent(Response):
    id: int
    project_id: int
    name: str
    key_prefix: str
    online: bool
    can_ping: bool | None
    hostname: str | None
    version: str | None
    last_seen_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class AgentCreated(Agent):
    key: str = Field(description="Shown once; the server keeps only its digest.")


# --- what an external agent exchanges with the server ------------------------------------------


class AgentClaimRequest(Request):
    hostname: str = Field(default="", max_length=200)
    version: str = Field(default="", max_length=50)
    can_ping: bool = False
    lookahead_seconds: float = Field(default=1.0, ge=0, le=5)


class AgentJob(Response):
    monitor_id: int
    due_at: datetime
    timeout_seconds: float
    check: Check


class AgentClaim(Response):
    agent_id: int
    server_time: datetime = Field(description="The server's clock, which due_at is read on.")
    jobs: list[AgentJob]


class AgentResult(Request):
    monitor_id: int
    due_at: AwareDatetime | None = Field(default=None, description="The job's due_at.")
    checked_at: AwareDatetime
    ok: bool
    latency_ms: float | None = Field(default=None, ge=0)
    error: str | None = Field(default=None, max_length=2000)
    cert_expires_at: AwareDatetime | None = None


class AgentResultsRequest(Request):
    results: list[AgentResult] = Field(max_length=1000)


class AgentResultsAccepted(Response):
    accepted: int
