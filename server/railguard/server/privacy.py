"""A project's optional scrubbing rules: read and change them.

Ingest reads them with the ingest key (`pipeline.keycache`), so a change reaches this process's
cache at once (the caller forgets it) and other server processes within the cache's TTL.
"""

from __future__ import annotations

from railguard.server.db import Executor, queries
from railguard.server.errors import NotFound
from railguard.wire import models as w


async def get_privacy(db: Executor, project_id: int) -> w.PrivacySettings:
    row = await queries.get_privacy(db, project_id=project_id)
    if row is None:
        raise NotFound("No such project.")
    return w.PrivacySettings.model_validate(dict(row))


async def set_privacy(
    db: Executor, project_id: int, request: w.PrivacyUpdateRequest
) -> w.PrivacySettings:
    row = await queries.set_privacy(
        db, project_id=project_id, scrub_emails=request.scrub_emails,
        scrub_ip_addresses=request.scrub_ip_addresses,
    )  # fmt: skip
    if row is None:
        raise NotFound("No such project.")
    return w.PrivacySettings.model_validate(dict(row))
