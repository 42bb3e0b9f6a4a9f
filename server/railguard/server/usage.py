"""Usage per organisation and month, and the optional monthly event quota.

The ingest writers count what they store in their own transactions (`count` for events,
`count_telemetry` for spans and log records), so usage is exactly what was stored. The quota
(NULL: unlimited, the self-hosted default) is enforced at ingest by `pipeline/quota.py`; the
owners and admins set it here. docs/accounts.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from railguard.server import audit
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.pipeline.batch import Submission
from railguard.wire import orgs as o

MONTHS_SHOWN = 12


async def count(conn: Executor, stored: Iterable[Submission]) -> None:
    """Add the stored events to their organisations' current month (in the caller's
    transaction)."""
    per_project = Counter(sub.project_id for sub in stored)
    if per_project:
        await queries.count_usage(
            conn, project_ids=list(per_project), counts=list(per_project.values())
        )


async def count_telemetry(
    conn: Executor, *, spans: Counter[int] | None = None, logs: Counter[int] | None = None
) -> None:
    """Add stored spans (transactions included) and log records, per project, to their
    organisations' current month (in the caller's transaction)."""
    spans, logs = spans or Counter(), logs or Counter()
    projects = sorted(set(spans) | set(logs))
    if projects:
        await queries.count_telemetry_usage(
            conn, project_ids=projects, spans=[spans[p] for p in projects],
            logs=[logs[p] for p in projects],
        )  # fmt: skip


async def report(db: Executor, organization_id: int) -> o.Usage:
    quota = await queries.organization_quota(db, organization_id=organization_id)
    rows = await fetch_all(
        queries.usage_months(db, organization_id=organization_id, limit=MONTHS_SHOWN)
    )
    return o.Usage(event_quota=quota, months=[o.UsageMonth.model_validate(dict(r)) for r in rows])


async def set_quota(
    db: Executor, *, organization_id: int, actor_id: int, event_quota: int | None,
    address: str = "",
) -> o.Usage:  # fmt: skip
    await queries.set_event_quota(db, organization_id=organization_id, event_quota=event_quota)
    await audit.record(db, organization_id=organization_id, actor_id=actor_id,
                       action="quota.set", target="events",
                       detail={"event_quota": event_quota}, address=address)  # fmt: skip
    return await report(db, organization_id)
