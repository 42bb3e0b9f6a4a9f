"""External agents: keys, liveness and the jobs an agent claims.

Agent keys are hashed (SHA-256), not encrypted: the server only ever verifies a key an agent
presents and never needs it back, so there is nothing a database leak could reveal and no
encryption key to configure or rotate. A lost key is replaced by revoking the agent and
creating another. (docs/uptime.md)
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import NotFound, Unauthorized
from railguard.wire import uptime as u

KEY_PREFIX = "rga_"


def new_agent_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def agent_model(row: Any, offline_after: float) -> u.Agent:
    data = dict(row)
    seen = data["last_seen_at"]
    data["online"] = (
        data["revoked_at"] is None
        and seen is not None
        and datetime.now(UTC) - seen < timedelta(seconds=offline_after)
    )
    return u.Agent.model_validate(data)


async def create_agent(
    db: Executor, *, project_id: int, name: str, offline_after: float
) -> u.AgentCreated:
    key = new_agent_key()
    row = await queries.create_agent(
        db, project_id=project_id, name=name, key_hash=key_hash(key),
        key_prefix=key[: len(KEY_PREFIX) + 6],
    )  # fmt: skip
    return u.AgentCreated(**agent_model(row, offline_after).model_dump(), key=key)


async def list_agents(db: Executor, *, project_id: int, offline_after: float) -> list[u.Agent]:
    rows = await fetch_all(queries.list_agents(db, project_id=project_id))
    return [agent_model(r, offline_after) for r in rows]


async def revoke_agent(
    db: Executor, *, project_id: int, agent_id: int, offline_after: float
) -> u.Agent:
    row = await queries.revoke_agent(db, project_id=project_id, agent_id=agent_id)
    if row is None:
        raise NotFound("No such agent.")
    return agent_model(row, offline_after)


async def authenticate(db: Executor, key: str, report: u.AgentClaimRequest | None) -> Any:
    """The agent presenting `key`, its liveness (and self-description) recorded; 401 for an
    unknown or revoked key."""
    if not key.startswith(KEY_PREFIX):
        raise Unauthorized("Send the agent key as `Authorization: Bearer rga_...`.",
                           code="invalid_agent_key")  # fmt: skip
    if report is None:
        row = await queries.touch_agent(db, key_hash=key_hash(key))
    else:
        row = await queries.agent_seen(
            db, key_hash=key_hash(key), hostname=report.hostname, version=report.version,
            can_ping=report.can_ping,
        )  # fmt: skip
    if row is None:
        raise Unauthorized("The agent key is unknown or revoked.", code="invalid_agent_key")
    return row
