"""Wire models of incident curation: merges, similar incidents and the trash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from railguard.wire.models import Request, Response

_Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class MergeRequest(Request):
    """Incidents of the same project to merge into the one in the path (all or none)."""

    incident_ids: list[_Id] = Field(min_length=1, max_length=100)


class Merged(Response):
    """An incident merged into another."""

    id: int
    error_type: str = ""
    message: str = ""
    event_count: int
    merged_at: datetime
    merged_by_email: str = ""


class MergeResult(Response):
    target_id: int
    merged_ids: list[int]


class UnmergeResult(Response):
    incident_id: int
    former_target_id: int


class SimilarIncident(Response):
    id: int
    title: str
    score: float = Field(description="Cosine similarity of the hashed n-gram vectors, 0 to 1.")
    status: str
    event_count: int
    last_seen: datetime
    url: str


class TrashItem(Response):
    kind: Literal["project", "incident"]
    id: int
    project_id: int
    title: str
    deleted_at: datetime
    purge_after: datetime = Field(description="When maintenance deletes it for good.")


class Restored(Response):
    kind: Literal["project", "incident"]
    id: int
