"""Alert settings and the delivery log: the data-layer operations behind the API and the CLI."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from railguard.server.alerts.outbox import load_channels, load_members, write_deliveries
from railguard.server.alerts.plan import Decided, Member, Planned, targets
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import Invalid, NotFound
from railguard.server.settings import Settings
from railguard.wire import alerts as a

_FOREVER = datetime.max.replace(tzinfo=UTC)


async def create_defaults(conn: Executor, project_id: int) -> None:
    """A new project's defaults: new and regressed incidents in production, to its members."""
    await queries.create_default_alerts(conn, project_id=project_id)


def rule_model(row: Any) -> a.AlertRule:
    return a.AlertRule.model_validate(dict(row))


def channel_model(row: Any) -> a.AlertChannel:
    data = dict(row)
    data["has_secret"] = data.pop("secret", None) is not None
    return a.AlertChannel.model_validate(data)


async def list_rules(db: Executor, project_id: int) -> list[a.AlertRule]:
    return [rule_model(r) for r in await fetch_all(queries.list_rules(db, project_id=project_id))]


async def _check_channels(db: Executor, project_id: int, channel_ids: list[int]) -> None:
    known = {
        r["id"] for r in await fetch_all(queries.channel_ids_of_project(db, project_id=project_id))
    }
    unknown = sorted(set(channel_ids) - known)
    if unknown:
        raise Invalid(
            f"No such channel in this project: {unknown[0]}.",
            details=[{"loc": ["channel_ids"], "msg": "unknown channel", "type": "value_error"}],
        )


def _rule_params(body: a.AlertRuleRequest) -> dict[str, Any]:
    data = body.model_dump()
    data["levels"] = list(body.levels)
    return data


async def create_rule(db: Executor, project_id: int, body: a.AlertRuleRequest) -> a.AlertRule:
    await _check_channels(db, project_id, body.channel_ids)
    row = await queries.create_rule(db, project_id=project_id, **_rule_params(body))
    return rule_model(row)


async def update_rule(
    db: Executor, project_id: int, rule_id: int, body: a.AlertRuleRequest
) -> a.AlertRule:
    await _check_channels(db, project_id, body.channel_ids)
    row = await queries.update_rule(
        db, project_id=project_id, rule_id=rule_id, **_rule_params(body)
    )
    if row is None:
        raise NotFound("No such alert rule.")
    return rule_model(row)


async def delete_rule(db: Executor, project_id: int, rule_id: int) -> None:
    if await queries.delete_rule(db, project_id=project_id, rule_id=rule_id) is None:
        raise NotFound("No such alert rule.")


async def list_channels(db: Executor, project_id: int) -> list[a.AlertChannel]:
    rows = await fetch_all(queries.list_channels(db, project_id=project_id))
    return [channel_model(r) for r in rows]


async def create_channel(
    db: Executor, project_id: int, body: a.AlertChannelRequest
) -> a.AlertChannel:
    row = await queries.create_channel(db, project_id=project_id, **body.model_dump())
    return channel_model(row)


async def delete_channel(db: Executor, project_id: int, channel_id: int) -> None:
    if await queries.delete_channel(db, project_id=project_id, channel_id=channel_id) is None:
        raise NotFound("No such alert channel.")


def preferences_model(project_id: int, row: Any) -> a.AlertPreferences:
    if row is None:
        return a.AlertPreferences(project_id=project_id)
    data = dict(row)
    quiet_until = data.get("quiet_until")
    data["quiet"] = quiet_until is not None and quiet_until.year >= 9999
    if data["quiet"]:
        data["quiet_until"] = None
    return a.AlertPreferences.model_validate(data)


async def get_preferences(db: Executor, user_id: int, project_id: int) -> a.AlertPreferences:
    row = await queries.get_preferences(db, user_id=user_id, project_id=project_id)
    return preferences_model(project_id, row)


async def put_preferences(
    db: Executor, user_id: int, project_id: int, body: a.AlertPreferencesRequest
) -> a.AlertPreferences:
    quiet_until = _FOREVER if body.quiet else body.quiet_until
    row = await queries.put_preferences(
        db, user_id=user_id, project_id=project_id, enabled=body.enabled,
        rule_kinds=body.rule_kinds, channels=body.channels, quiet_until=quiet_until,
        digest=body.digest,
    )  # fmt: skip
    return preferences_model(project_id, row)


def delivery_model(row: Any) -> a.AlertDelivery:
    return a.AlertDelivery.model_validate(dict(row))


async def list_deliveries(
    db: Executor, project_id: int, *, status: str | None, before: int | None, limit: int
) -> a.AlertDeliveryPage:
    rows = await fetch_all(
        queries.list_deliveries(
            db, project_id=project_id, status=status, before_id=before, limit=limit + 1
        )
    )
    items = [delivery_model(r) for r in rows[:limit]]
    return a.AlertDeliveryPage(
        items=items, next_before=items[-1].id if len(rows) > limit and items else None
    )


async def send_test(
    pool: asyncpg.Pool,
    settings: Settings,
    project_id: int,
    *,
    channel_id: int | None,
    only_user: int | None,
) -> list[a.AlertDelivery]:
    """Queue a test message on every enabled channel (or one); member email goes only to
    `only_user` when given (the person asking), else to every member."""
    async with pool.acquire() as conn, conn.transaction():
        channels = [
            c for c in await load_channels(conn, [project_id])
            if channel_id is None or c.id == channel_id
        ]  # fmt: skip
        if channel_id is not None and not channels:
            raise NotFound("No such enabled alert channel.")
        members: list[Member] = [
            m for m in await load_members(conn, [project_id])
            if only_user is None or m.user_id == only_user
        ]  # fmt: skip
        test = Decided(0, project_id, None, "test")
        planned = [
            Planned(t, "test", [test], key=f"rg-t{uuid.uuid4().hex[:16]}-c{t.channel.id}")
            for t in targets(test, channels, members)
        ]
        if not planned:
            raise Invalid("This project has no enabled channel with a recipient.")
        ids = await write_deliveries(conn, planned, settings)
        await queries.notify_alerts(conn)
        rows = await fetch_all(queries.get_deliveries(conn, ids=ids))
    return [delivery_model(r) for r in rows]
