"""Request and response bodies of the Railguard HTTP API (`/api/v1`).

The backend validates requests and serialises responses with these models, and the language
server parses responses with them, so the two processes cannot drift apart. Response models
ignore unknown fields, so an older client keeps working against a newer server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IncidentStatus = Literal["open", "acknowledged", "resolved", "ignored"]
Level = Literal["fatal", "error", "warning", "info", "debug"]
# Organisation roles, strongest first; a viewer reads and never changes anything.
Role = Literal["owner", "admin", "member", "viewer"]
ChangeKind = Literal[
    "new", "updated", "resolved", "reopened", "acknowledged", "ignored", "regressed"
]
CommitSource = Literal["native", "release", "tag", "mapping", "none"]


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Response(BaseModel):
    """Base of response bodies: unknown fields are ignored, for forward compatibility."""

    model_config = ConfigDict(extra="ignore")


# --- errors ---------------------------------------------------------------------------------


class ErrorBody(Response):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    message: str = Field(description="One sentence for a person.")
    details: Any = None


class ErrorResponse(Response):
    error: ErrorBody


# --- health ---------------------------------------------------------------------------------


class Health(Response):
    status: Literal["ok", "degraded"]
    database: Literal["up", "down"]
    version: str


# --- accounts and tokens --------------------------------------------------------------------


class SignupRequest(Request):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=1024)
    display_name: str = Field(default="", max_length=200)


class SignupAccepted(Response):
    """The same answer whether or not the email already had an account (nothing to enumerate);
    the owner of a taken address gets a notice by mail when the server can send one."""

    status: Literal["accepted"] = "accepted"
    message: str


class LoginRequest(Request):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    token_name: str = Field(default="login", min_length=1, max_length=200)


class User(Response):
    id: int
    email: str
    display_name: str
    created_at: datetime


TokenScope = Literal["read", "triage", "admin"]
ALL_SCOPES: tuple[TokenScope, ...] = ("read", "triage", "admin")


class TokenCreateRequest(Request):
    name: str = Field(min_length=1, max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    scopes: list[TokenScope] | None = Field(
        default=None, min_length=1, description="What the token may do; absent: everything."
    )


class Token(Response):
    id: int
    name: str
    prefix: str = Field(description="The token's non-secret start, for recognising it in lists.")
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    scopes: list[TokenScope] = Field(default_factory=lambda: list(ALL_SCOPES))
    device_name: str | None = Field(
        default=None, description="The device a browser sign-in (device flow) issued it to."
    )


class TokenCreated(Token):
    token: str = Field(description="The secret. Shown once; only its hash is stored.")


class LoginResponse(Response):
    token: str
    token_info: Token
    user: User


# --- projects, members, ingest keys ---------------------------------------------------------


class PathRule(Request):
    """Turns an SDK frame path into a repository-relative one.

    `strip_prefix` removes a leading path (`/srv/app/`); `source_root` is then prepended
    (`services/api/`) for monorepos whose app lives in a subfolder.
    """

    strip_prefix: str = Field(default="", max_length=1000)
    source_root: str = Field(default="", max_length=1000)


class ProjectCreateRequest(Request):
    name: str = Field(min_length=1, max_length=200)
    repository: str = Field(
        min_length=3, max_length=1000, description="Clone URL or `host/owner/name`."
    )
    platform: str | None = Field(default=None, max_length=50)
    path_rules: list[PathRule] = Field(default_factory=list, max_length=50)
    organization_id: int | None = Field(
        default=None, description="The owning organisation; default: your personal one."
    )


class ProjectUpdateRequest(Request):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    repository: str | None = Field(default=None, min_length=3, max_length=1000)
    platform: str | None = Field(default=None, max_length=50)
    path_rules: list[PathRule] | None = Field(default=None, max_length=50)


class Project(Response):
    id: int
    organization_id: int
    name: str
    repository: str
    platform: str | None = None
    path_rules: list[PathRule] = Field(default_factory=list)
    role: Role
    created_at: datetime
    updated_at: datetime


class MemberAddRequest(Request):
    email: str = Field(min_length=3, max_length=320)
    role: Role = "member"


class Member(Response):
    user_id: int
    email: str
    display_name: str
    role: Role
    created_at: datetime


class IngestKeyCreateRequest(Request):
    label: str = Field(default="", max_length=200)
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=10_000_000)


class IngestKey(Response):
    id: int
    project_id: int
    public_key: str
    label: str
    dsn: str
    rate_limit_per_minute: int | None = None
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    usage_count: int = 0


class PrivacySettings(Response):
    """A project's optional scrubbing rules; the others always run (see the privacy docs)."""

    scrub_emails: bool = Field(description="Replace email addresses in stored text by `[email]`.")
    scrub_ip_addresses: bool = Field(description="Replace IP addresses by `[ip]`.")


class PrivacyUpdateRequest(Request):
    scrub_emails: bool | None = None
    scrub_ip_addresses: bool | None = None


class ProjectCreated(Project):
    """A new project comes with its first ingest key, so it can receive events at once."""

    dsn: str
    ingest_key: IngestKey


# --- incidents ------------------------------------------------------------------------------


MappingReason = Literal[
    "no_release", "no_map_for_release", "unknown_debug_id", "no_such_position", "corrupt_map"
]


class FrameMapping(Response):
    """How a bundled JavaScript frame was mapped through a source map (docs/source-maps.md).

    `status` is `mapped` (the frame names the original file, line, column and function) or
    `unmapped` (the frame keeps its minified location; `reason` says why and `hint` what to
    upload). `minified_*` is what the SDK sent."""

    status: Literal["mapped", "unmapped"]
    reason: MappingReason | None = None
    hint: str | None = None
    minified_path: str | None = None
    minified_line: int | None = None
    minified_column: int | None = None
    minified_function: str | None = None
    debug_id: str | None = None


class Frame(Response):
    """One stack frame, as stored: `path` is repository-relative when a rule or the frame data
    allowed it, else None; `original_path` is what the SDK sent, for suffix matching."""

    path: str | None = None
    original_path: str | None = None
    module: str | None = None
    function: str | None = None
    line: int | None = None
    column: int | None = None
    in_app: bool = False
    context_line: str | None = None
    pre_context: list[str] = Field(default_factory=list)
    post_context: list[str] = Field(default_factory=list)
    mapping: FrameMapping | None = None
    """Set on JavaScript frames a source map was looked up for."""


class FixState(Response):
    """A resolved incident's fix (the commit it was resolved at) and whether it has shipped
    (docs/releases.md). `awaiting_deploy`: no registered deploy contains it yet, and events from
    deployed commits that do not contain it do not reopen the incident; `ancestry_known` is
    false when such an event came from a commit whose relation to the fix is unknown."""

    commit: str
    state: Literal["awaiting_deploy", "deployed"]
    deployed_in: str | None = None
    ancestry_known: bool = True


class Incident(Response):
    id: int
    project_id: int
    status: IncidentStatus
    level: Level = "error"
    error_type: str = ""
    message: str = ""
    title: str = Field(description="`Type: message`, one line, for lists.")
    fingerprint: str
    grouping_version: int
    event_count: int
    first_seen: datetime
    last_seen: datetime
    environments: list[str] = Field(default_factory=list)
    first_commit: str | None = None
    latest_commit: str | None = None
    top_frame: Frame | None = None
    stack: list[Frame] = Field(
        default_factory=list, description="Latest full stack, oldest (caller) to newest (crash)."
    )
    resolved_at: datetime | None = None
    resolved_by: int | None = None
    resolved_commit: str | None = None
    fix: FixState | None = Field(default=None, description="A resolved incident's fix commit.")
    acknowledged_at: datetime | None = None
    regressed_at: datetime | None = None
    regression_count: int = 0
    time_to_resolve: float | None = None
    assignee_id: int | None = Field(default=None, description="The member triaging it.")
    user_count: int = Field(default=0, description="Distinct users its events named.")
    merged_into: int | None = Field(default=None, description="The incident shown in its place.")
    hidden: bool = Field(
        default=False,
        description="Merged into another or in the trash: clients stop showing it (the live "
        "feed announces this change like any other).",
    )
    change_seq: int
    change_kind: ChangeKind
    url: str = Field(description="Where a person can read the incident.")


class IncidentEvent(Response):
    event_id: str
    received_at: datetime
    occurred_at: datetime
    level: str
    message: str
    commit_sha: str | None = None
    commit_source: CommitSource = "none"
    environment: str
    release: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class IncidentDetail(Incident):
    recent_events: list[IncidentEvent] = Field(default_factory=list)


class IncidentPage(Response):
    items: list[Incident]
    next_cursor: str | None = None


class IncidentActionRequest(Request):
    """Body of resolve/acknowledge/ignore/reopen; `commit` is the HEAD it was resolved at, and
    `ancestors` commits an editor knows to be ancestors of it (docs/releases.md)."""

    commit: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{7,64}$")
    ancestors: list[Annotated[str, Field(pattern=r"^[0-9a-fA-F]{7,64}$")]] = Field(
        default_factory=list, max_length=5000
    )


class IncidentChange(Response):
    """One message of the live feed: the incident's state after the change."""

    seq: int
    kind: ChangeKind
    incident: Incident


class AssignRequest(Request):
    """`assignee_id` of a project member, or null to unassign."""

    assignee_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class Assignment(Response):
    incident_id: int
    assignee_id: int | None = None


class BulkActionRequest(Request):
    """One action on up to 500 incidents; all or nothing if any id is not yours."""

    action: Literal["resolve", "acknowledge", "ignore", "reopen"]
    incident_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        min_length=1, max_length=500
    )


class CommentCreateRequest(Request):
    body: str = Field(min_length=1, max_length=10_000, pattern=r"^[^\x00]*$")


class Comment(Response):
    id: int
    incident_id: int
    author_id: int | None = None
    author_email: str = ""
    author_name: str = ""
    body: str
    created_at: datetime


class Activity(Response):
    """One thing a person did to an incident: resolved, acknowledged, ignored, reopened,
    assigned or unassigned (`detail`: the commit resolved at, or the assignee's user id)."""

    id: int
    kind: str
    detail: str = ""
    actor_id: int | None = None
    actor_email: str = ""
    created_at: datetime


class EventPage(Response):
    items: list[IncidentEvent]
    next_before: datetime | None = Field(
        default=None, description="Pass as `before` for the next (older) page; null at the end."
    )


class EventDetail(IncidentEvent):
    payload: dict[str, Any] = Field(description="The event as received, after scrubbing.")


class IncidentStats(Response):
    """Events over time and where they came from, for charts."""

    hourly: list[int] = Field(description="Events per hour over the last 24 hours, oldest first.")
    daily: list[int] = Field(description="Events per day over the last 14 days, oldest first.")
    environments: dict[str, int] = Field(default_factory=dict)
    releases: dict[str, int] = Field(default_factory=dict)


class ReleaseCreateRequest(Request):
    """A release: `version` (default: the commit) maps to `commit` for SDKs whose release is
    not a SHA, and the commit is registered as a deploy whose `commits` are the first-parent
    commits since the `previous` deploy (docs/releases.md)."""

    version: str | None = Field(default=None, min_length=1, max_length=200)
    commit: str = Field(pattern=r"^[0-9a-fA-F]{7,64}$")
    previous: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{7,64}$")
    commits: list[Annotated[str, Field(pattern=r"^[0-9a-fA-F]{7,64}$")]] = Field(
        default_factory=list, max_length=10_000
    )


class Release(Response):
    project_id: int
    version: str
    commit: str
    created_at: datetime
    previous: str | None = None
    commits: int = Field(default=0, description="Commits registered with this deploy.")
    fixes_deployed: list[int] = Field(
        default_factory=list, description="Incidents whose fix this deploy ships."
    )


# --- native ingest --------------------------------------------------------------------------


class NativeFrame(Request):
    filename: str | None = Field(default=None, max_length=4096)
    abs_path: str | None = Field(default=None, max_length=4096)
    module: str | None = Field(default=None, max_length=1000)
    function: str | None = Field(default=None, max_length=1000)
    lineno: int | None = Field(default=None, ge=0)
    colno: int | None = Field(default=None, ge=0)
    in_app: bool | None = None
    context_line: str | None = Field(default=None, max_length=10_000)
    pre_context: list[str] = Field(default_factory=list, max_length=50)
    post_context: list[str] = Field(default_factory=list, max_length=50)


class NativeEvent(Request):
    """An event sent to `POST /api/v1/events`. `stack_trace` is a raw text trace (Python,
    JavaScript V8/Firefox, Ruby or Java); `frames` are structured frames, oldest first."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    event_id: str | None = Field(default=None, pattern=r"^[0-9a-fA-F-]{32,36}$")
    error_type: str | None = Field(default=None, max_length=1000)
    message: str = Field(default="", max_length=100_000)
    level: Level = "error"
    platform: str | None = Field(default=None, max_length=50)
    stack_trace: str | None = Field(default=None, max_length=1_000_000)
    frames: list[NativeFrame] | None = Field(default=None, max_length=1000)
    commit_sha: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{7,64}$")
    release: str | None = Field(default=None, max_length=200)
    environment: str = Field(default="production", min_length=1, max_length=200)
    deployment_id: str | None = Field(default=None, max_length=200)
    occurred_at: datetime | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    fingerprint: list[str] | None = Field(default=None, max_length=50)


class NativeEventAccepted(Response):
    id: str
