"""Incident search for people: filters, sort, full-text + partial-word search, keyset cursors.

One query serves one project or every project a person belongs to. Text search matches whole
words through PostgreSQL full-text search (`simple` configuration: code identifiers are not
English) and partial words through a trigram-indexed ILIKE, both over `incidents.search_text`
(error type, message, top frame path and function). See docs/WEB.md.

The one query of the backend that is not a named query in `sql/`: its WHERE is composed from
the filters given, so that each combination gets its own plan (one project is an equality that
the `(project_id, <sort>)` indexes order without sorting; a generic `($n IS NULL OR ...)` query
would lose that). Only column names from fixed tables go into the text; every value is a
parameter.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from railguard.server.db import Executor, fetch_all, queries
from railguard.server.errors import BadRequest, Invalid
from railguard.server.incidents import in_utc

Sort = Literal["last_seen", "first_seen", "events", "users"]
SORTS: dict[str, str] = {"last_seen": "last_seen", "first_seen": "first_seen",
                         "events": "event_count", "users": "user_count"}  # fmt: skip
_COUNTED = ("events", "users")
STATUSES = ("open", "acknowledged", "resolved", "ignored")
LEVELS = ("fatal", "error", "warning", "info", "debug")


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = ("open",)
    q: str = ""
    environment: str = ""
    commit: str = ""
    path: str = ""
    level: str = ""
    first_seen_after: datetime | None = None
    last_seen_after: datetime | None = None
    sort: Sort = "last_seen"


def _time(query: Mapping[str, str], name: str) -> datetime | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"{name} must be an ISO 8601 date or time.") from exc
    return in_utc(when if when.tzinfo else when.replace(tzinfo=UTC), name)


def parse_filters(query: Mapping[str, str]) -> Filters:
    """Filters from query parameters (the same names in the pages and the API); 422 if bad."""
    statuses = tuple(s for s in query.get("status", "open").split(",") if s) or ("open",)
    if not set(statuses) <= set(STATUSES):
        raise Invalid(f"status must be among {list(STATUSES)}.")
    sort = query.get("sort") or "last_seen"
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {list(SORTS)}.")
    level = query.get("level", "").strip()
    if level and level not in LEVELS:
        raise Invalid(f"level must be one of {list(LEVELS)}.")
    # PostgreSQL text cannot hold NUL; nothing stored contains one, so it can only not match.
    text = {
        k: query.get(k, "").replace("\x00", "").strip()[:200]
        for k in ("q", "environment", "commit", "path")
    }
    return Filters(
        statuses=statuses, level=level, sort=sort,  # type: ignore[arg-type]
        first_seen_after=_time(query, "first_seen"), last_seen_after=_time(query, "last_seen"),
        **text,
    )  # fmt: skip


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_cursor(value: Any, incident_id: int) -> str:
    raw = orjson.dumps([value.isoformat() if isinstance(value, datetime) else value, incident_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, ident = orjson.loads(raw)
        ident = int(ident)
        parsed: Any = int(value) if sort in _COUNTED else datetime.fromisoformat(value)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadRequest("The cursor is not valid.", code="invalid_cursor") from exc
    if isinstance(parsed, datetime) and parsed.tzinfo is None or not 0 <= ident < 2**63:
        raise BadRequest("The cursor is not valid.", code="invalid_cursor")
    if isinstance(parsed, int) and not 0 <= parsed < 2**63:
        raise BadRequest("The cursor is not valid.", code="invalid_cursor")
    if isinstance(parsed, datetime):
        try:
            parsed = parsed.astimezone(UTC)
        except OverflowError:
            raise BadRequest("The cursor is not valid.", code="invalid_cursor") from None
    return parsed, ident


def where_clause(f: Filters, args: list[Any], *, with_status: bool = True) -> str:
    """SQL conditions for `f`, appending their values to `args` ($n placeholders)."""

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    # Merged incidents show through their target; deleted ones wait in the trash.
    parts: list[str] = ["i.merged_into IS NULL", "i.deleted_at IS NULL"]
    if with_status:
        parts.append(f"i.status = ANY ({arg(list(f.statuses))}::text[])")
    if f.q:
        q = arg(f.q)
        parts.append(f"(i.search_vector @@ websearch_to_tsquery('simple', {q})"
                     f" OR i.search_text ILIKE {arg(like_pattern(f.q))})")  # fmt: skip
    if f.environment:
        parts.append(f"{arg(f.environment)} = ANY (i.environments)")
    if f.commit:
        c = arg(f.commit.lower() + "%")
        parts.append(f"(i.latest_commit LIKE {c} OR i.first_commit LIKE {c})")
    if f.path:
        parts.append(f"i.frame_path ILIKE {arg(like_pattern(f.path))}")
    if f.level:
        parts.append(f"i.level = {arg(f.level)}")
    if f.first_seen_after:
        parts.append(f"i.first_seen >= {arg(f.first_seen_after)}")
    if f.last_seen_after:
        parts.append(f"i.last_seen >= {arg(f.last_seen_after)}")
    return " AND ".join(parts)


def _scope(project_ids: list[int], args: list[Any]) -> str:
    """Only these projects (the caller has checked the person belongs to each). One project is
    an equality, so the `(project_id, <sort>)` indexes give the order without sorting."""
    if len(project_ids) == 1:
        args.append(project_ids[0])
        return f"i.project_id = ${len(args)}"
    args.append(project_ids)
    return f"i.project_id = ANY (${len(args)}::bigint[])"


async def member_project_ids(db: Executor, user_id: int) -> list[int]:
    """Every live project the person belongs to, for searches across projects."""
    rows = await fetch_all(queries.member_project_ids(db, user_id=user_id))
    return [r["project_id"] for r in rows]


async def search(
    db: Executor,
    *,
    project_ids: list[int],
    filters: Filters,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of incidents and the cursor of the next (None on the last page)."""
    if not project_ids:
        return [], None
    column = SORTS[filters.sort]
    args: list[Any] = []
    conditions = [_scope(project_ids, args), where_clause(filters, args)]
    if cursor:
        value, ident = decode_cursor(cursor, filters.sort)
        args += [value, ident]
        conditions.append(f"(i.{column}, i.id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit + 1)
    sql = (
        "SELECT i.*, p.name AS project_name, p.repository FROM incidents i "
        "JOIN projects p ON p.id = i.project_id "
        f"WHERE {' AND '.join(conditions)} "
        f"ORDER BY i.{column} DESC, i.id DESC LIMIT ${len(args)}"
    )
    rows = [dict(r) for r in await db.fetch(sql, *args)]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(last[column], last["id"])
    return rows[:limit], next_cursor


COUNT_CAP = 1000


async def status_counts(
    db: Executor, *, project_ids: list[int], filters: Filters
) -> dict[str, int]:
    """How many incidents each status tab holds under the other filters, counted up to
    COUNT_CAP + 1 (shown as "1000+"): an exact count of a broad search over 100,000
    incidents would cost more than the page itself."""
    counts = dict.fromkeys(STATUSES, 0)
    if not project_ids:
        return counts
    args: list[Any] = []
    conditions = f"{_scope(project_ids, args)} AND {where_clause(filters, args, with_status=False)}"
    args.append(COUNT_CAP + 1)
    cap = f"${len(args)}"
    parts = []
    for status in STATUSES:
        args.append(status)
        parts.append(
            f"SELECT ${len(args)}::text AS status, (SELECT count(*) FROM (SELECT 1 FROM "
            f"incidents i WHERE {conditions} AND i.status = ${len(args)} LIMIT {cap}) x) AS n"
        )
    for r in await db.fetch(" UNION ALL ".join(parts), *args):
        counts[r["status"]] = r["n"]
    return counts
