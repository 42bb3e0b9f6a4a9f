"""Request and response bodies of the alerting API: rules, channels, preferences, deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from railguard.wire.models import Level, Request, Response

RuleKind = Literal["new", "regressed", "spike", "escalation"]
#: What a person may choose to hear about: the incident rules' kinds and the uptime events.
AlertKind = Literal[
    "new", "regressed", "spike", "escalation", "monitor_down", "monitor_recovered", "cert_expiring"
]
ChannelKind = Literal["email", "webhook", "slack", "discord", "teams"]
DeliveryStatus = Literal["pending", "held", "delivered", "failed", "digested"]
DeliveryKind = Literal["alert", "summary", "digest", "test"]
PreferenceChannel = Literal["email"]
Id = Annotated[int, Field(ge=1, le=2**62)]


def _no_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold NUL: refuse it here (422) rather than fail at the database."""
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in items):
        raise ValueError("must not contain NUL characters")
    return value


class AlertRuleRequest(Request):
    """A rule: which incidents deserve an alert, filtered, and where it goes."""

    _text = field_validator("*")(_no_nul)

    name: str = Field(min_length=1, max_length=200)
    kind: RuleKind
    enabled: bool = True
    environments: list[str] = Field(
        default_factory=list, max_length=50, description="Empty: every environment."
    )
    levels: list[Level] = Field(default_factory=list, description="Empty: every level.")
    path_prefix: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Top in-app frame's path prefix."
    )
    threshold: int | None = Field(
        default=None, ge=1, le=10_000_000, description="spike: events in the window above this."
    )
    rate_multiple: float | None = Field(
        default=None, gt=1, le=10_000, description="spike: this many times the usual rate."
    )
    window_minutes: int = Field(default=60, ge=1, le=10080)
    after_hours: float | None = Field(
        default=None, gt=0, le=8760, description="escalation: still open after this long."
    )
    throttle_minutes: int = Field(
        default=60, ge=0, le=10080, description="At most one alert per incident per window."
    )
    channel_ids: list[Id] = Field(
        default_factory=list, max_length=50, description="Empty: every channel of the project."
    )

    @model_validator(mode="after")
    def _complete(self) -> AlertRuleRequest:
        if self.kind == "spike" and self.threshold is None and self.rate_multiple is None:
            raise ValueError("a spike rule needs a threshold or a rate_multiple")
        if self.kind == "escalation" and self.after_hours is None:
            raise ValueError("an escalation rule needs after_hours")
        return self


class AlertRule(Response):
    id: int
    project_id: int
    name: str
    kind: RuleKind
    enabled: bool
    environments: list[str]
    levels: list[str]
    path_prefix: str | None = None
    threshold: int | None = None
    rate_multiple: float | None = None
    window_minutes: int
    after_hours: float | None = None
    throttle_minutes: int
    channel_ids: list[int]
    created_at: datetime
    updated_at: datetime


class AlertChannelRequest(Request):
    """email (no recipients: the project's members) or a webhook URL of one of the flavours."""

    _text = field_validator("*")(_no_nul)

    name: str = Field(min_length=1, max_length=200)
    kind: ChannelKind
    enabled: bool = True
    recipients: list[str] = Field(default_factory=list, max_length=100)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2000)
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="webhook: HMAC-SHA256 key."
    )

    @model_validator(mode="after")
    def _target(self) -> AlertChannelRequest:
        if self.kind == "email":
            if self.url is not None or self.secret is not None:
                raise ValueError("an email channel takes recipients, not a url or secret")
            for address in self.recipients:
                if "@" not in address or len(address) > 320 or any(c in address for c in "\r\n,<>"):
                    raise ValueError(f"not an email address: {address!r}")
        else:
            if self.url is None:
                raise ValueError(f"a {self.kind} channel needs a url")
            if self.recipients:
                raise ValueError("only an email channel has recipients")
        return self


class AlertChannel(Response):
    id: int
    project_id: int
    name: str
    kind: ChannelKind
    enabled: bool
    recipients: list[str]
    url: str | None = None
    has_secret: bool = Field(description="The secret itself is never shown again.")
    created_at: datetime


class AlertPreferencesRequest(Request):
    enabled: bool = True
    rule_kinds: list[AlertKind] | None = Field(default=None, description="None: every kind.")
    channels: list[PreferenceChannel] | None = Field(default=None, description="None: all.")
    quiet_until: datetime | None = Field(
        default=None, description="No alerts to you before this moment."
    )
    quiet: bool = Field(default=False, description="Quiet until turned off.")
    digest: bool = Field(default=False, description="A daily digest instead of each alert.")


class AlertPreferences(Response):
    project_id: int
    enabled: bool = True
    rule_kinds: list[AlertKind] | None = None
    channels: list[PreferenceChannel] | None = None
    quiet_until: datetime | None = None
    quiet: bool = False
    digest: bool = False
    last_digest_at: datetime | None = None


class AlertTestRequest(Request):
    channel_id: Id | None = Field(default=None, description="Only this channel (default: all).")


class AlertDelivery(Response):
    """One message to one recipient over one channel, as the delivery log shows it."""

    id: int
    channel_id: int | None = None
    channel_kind: ChannelKind
    recipient: str
    idempotency_key: str
    kind: DeliveryKind
    incident_ids: list[int]
    triggers: list[str]
    subject: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    delivered_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class AlertDeliveryPage(Response):
    items: list[AlertDelivery]
    next_before: int | None = Field(default=None, description="Pass as `before` for older.")
