"""Which of the user's projects a workspace repository is: by its identity, else by a unique
owner/name (an ssh host alias in the remote hides the real host).

Pure code.
"""

from __future__ import annotations

from collections.abc import Iterable

from railguard.wire.models import Project
from railguard.wire.repository import InvalidRepository, normalize_repository


def match_project(identity: str | None, projects: Iterable[Project]) -> int | None:
    """The project with this repository identity (`host/owner/name`); else the only one with
    the same owner/name; else None."""
    if identity is None:
        return None
    by_identity: dict[str, int] = {}
    for project in projects:
        try:
            by_identity.setdefault(normalize_repository(project.repository).lower(), project.id)
        except InvalidRepository:
            continue
    wanted = identity.lower()
    if wanted in by_identity:
        return by_identity[wanted]
    tail = wanted.split("/", 1)[1]
    same_tail = {pid for ident, pid in by_identity.items() if ident.split("/", 1)[1] == tail}
    return same_tail.pop() if len(same_tail) == 1 else None
