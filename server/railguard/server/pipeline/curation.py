"""What the event writer does for curation after a batch's incidents and events are written:
count each incident's distinct users, count merged incidents' events on their targets, and
give new incidents their similarity vector. Runs in the batch's transaction.

Users are counted exactly, not estimated: each incident keeps the set of its users' keys
(`incident_users`: 8 bytes of SHA-256 of the SDK's user id, else email, username or address),
and `incidents.user_count` grows by the keys new to the incident's group
(docs/WEB.md#users-affected).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from railguard.server import similarity
from railguard.server.db import Executor, fetch_all, queries
from railguard.server.pipeline.batch import GroupKey, IncidentRow, Submission, group_key

_USER_FIELDS = ("id", "email", "username", "ip_address")


def user_key(payload: dict[str, Any]) -> bytes | None:
    """A short stable key for the user an event names, or None when it names nobody."""
    user = payload.get("user")
    if not isinstance(user, dict):
        return None
    for name in _USER_FIELDS:
        value = user.get(name)
        if value not in (None, "", "{{auto}}") and isinstance(value, str | int):
            return hashlib.sha256(f"{name}:{value}".encode()).digest()[:8]
    return None


async def after_write(
    conn: Executor,
    rows: Sequence[Any],
    groups: dict[GroupKey, IncidentRow],
    subs: list[Submission],
    incident_ids: dict[GroupKey, int],
) -> int | None:
    """Users, merged counts and new vectors for one batch; returns the largest change number
    it gave a target (None if it changed none)."""
    ids, keys = [], []
    for sub in subs:
        key = user_key(sub.event.payload)
        if key is not None:
            ids.append(incident_ids[group_key(sub)])
            keys.append(key)
    if ids:
        await queries.record_incident_users(conn, incident_ids=ids, user_keys=keys)

    by_key = {(r["project_id"], r["grouping_version"], r["fingerprint"]): r for r in rows}
    new_ids, vectors = [], []
    folds: dict[int, tuple[int, datetime, datetime, set[str]]] = {}
    for gkey, group in groups.items():
        row = by_key[gkey]
        if row["change_kind"] == "new":
            ev, top = group.latest.event, group.latest.event.top_frame
            text = similarity.incident_text(
                ev.error_type, ev.message, top.path or top.original_path if top else None,
                top.function if top else None,
            )  # fmt: skip
            new_ids.append(row["id"])
            vectors.append(similarity.encode(similarity.vector(text)))
        if row["merged_into"] is not None:
            n, first, last, envs = folds.get(
                row["merged_into"], (0, group.first.event.occurred_at,
                                     group.latest.event.occurred_at, set())
            )  # fmt: skip
            folds[row["merged_into"]] = (
                n + group.count, min(first, group.first.event.occurred_at),
                max(last, group.latest.event.occurred_at), envs | group.environments,
            )  # fmt: skip
    if new_ids:
        await queries.set_similarity_vectors(conn, ids=new_ids, vectors=vectors)
    if not folds:
        return None
    changed = await fetch_all(
        queries.fold_into_targets(
            conn, target_ids=list(folds), counts=[f[0] for f in folds.values()],
            first_seens=[f[1] for f in folds.values()], last_seens=[f[2] for f in folds.values()],
            environments=["\n".join(sorted(f[3])) for f in folds.values()],
        )
    )  # fmt: skip
    return max((r["change_seq"] for r in changed), default=None)
