"""Incidents similar to one incident: keyword retrieval, then vector re-rank (docs/WEB.md).

Candidates are the project's visible incidents sharing a word with it (full-text OR over its
words) or many character trigrams (pg_trgm `%`), both served by the search indexes; each is
scored by the cosine of the hashed n-gram vectors of `similarity`. Vectors missing (incidents
older than the column) are computed here and stored.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from railguard.server import incidents, similarity, triage
from railguard.server.db import fetch_all, queries
from railguard.wire import curation as wc

CANDIDATES = 100
MIN_SCORE = 0.35


def _text(row: Any) -> str:
    top = row.get("top_frame") if "top_frame" in row else None
    function = top.get("function") if isinstance(top, dict) else row.get("function")
    return similarity.incident_text(row["error_type"], row["message"], row["frame_path"], function)


async def similar_incidents(
    pool: asyncpg.Pool, *, user_id: int, incident_id: int, public_base: str, limit: int = 5
) -> list[wc.SimilarIncident]:
    row = dict(await triage.visible_incident(pool, user_id=user_id, incident_id=incident_id))
    text = _text(row)
    mine = similarity.decode(row["similarity_vector"]) or similarity.vector(text)
    found = [dict(r) for r in await fetch_all(queries.similar_candidates(
        pool, project_id=row["project_id"], incident_id=incident_id,
        words=similarity.tsquery_words(text), text=text[:300], limit=CANDIDATES,
    ))]  # fmt: skip
    missing_ids, missing_vectors = [], []
    scored = []
    for cand in found:
        vec = similarity.decode(cand["similarity_vector"])
        if vec is None:
            vec = similarity.vector(_text(cand))
            missing_ids.append(cand["id"])
            missing_vectors.append(similarity.encode(vec))
        score = similarity.cosine(mine, vec)
        if score >= MIN_SCORE:
            scored.append((score, cand))
    if missing_ids:
        await queries.set_similarity_vectors(pool, ids=missing_ids, vectors=missing_vectors)
    scored.sort(key=lambda sc: (-sc[0], -sc[1]["id"]))
    return [
        wc.SimilarIncident(
            id=c["id"],
            title=incidents.title_of(c["error_type"], c["message"]),
            score=round(score, 3),
            status=c["status"],
            event_count=c["event_count"],
            last_seen=c["last_seen"],
            url=f"{public_base}/incidents/{c['id']}",
        )  # fmt: skip
        for score, c in scored[:limit]
    ]
