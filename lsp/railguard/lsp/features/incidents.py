"""The projects' incidents as the language server keeps them.

One `ProjectStore` of compact records per project (core/records.py), loaded page by page from
the backend and compacted as each page arrives, updated by editor actions and the live feed;
and a small LRU of full incidents (whole stacks) for hovers and copied stack traces.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache

from railguard.lsp.core.records import SHOWN_STATUSES, IncidentRecord, ProjectStore, train
from railguard.lsp.server import RailguardServer
from railguard.wire.models import Incident

#: Full incidents (for hovers and copied stack traces) kept after they were fetched.
FULL_INCIDENTS = 64
#: Incidents per page of the initial load: each page is whole wire objects until compacted.
LOAD_PAGE = 100


@dataclass
class ProjectState:
    """A project's shown incidents (compact records) and live-feed position."""

    project_id: int
    incidents: ProjectStore = field(default_factory=ProjectStore)
    seq: int | None = None
    connected: bool = False


class Incidents:
    """Every shown project's incidents (see the module docstring)."""

    def __init__(self, server: RailguardServer) -> None:
        self._server = server
        self.projects: dict[int, ProjectState] = {}
        self._full: LRUCache[int, Incident] = LRUCache(maxsize=FULL_INCIDENTS)

    def shown(self, project_id: int | None) -> Iterable[IncidentRecord]:
        state = self.projects.get(project_id) if project_id is not None else None
        if state is None:
            return ()
        return (i for i in state.incidents if i.status in SHOWN_STATUSES)

    def keep_only(self, wanted: set[int]) -> list[int]:
        """Drop the projects not in `wanted` and add empty ones; the dropped ids."""
        dropped = [pid for pid in self.projects if pid not in wanted]
        for pid in dropped:
            del self.projects[pid]
        for pid in wanted:
            self.projects.setdefault(pid, ProjectState(pid))
        return dropped

    def apply(self, incident: Incident) -> None:
        """Store the latest state of an incident (from an action or the live feed)."""
        self._full[incident.id] = incident
        state = self.projects.get(incident.project_id)
        if state is None:
            return
        if incident.status in SHOWN_STATUSES and not incident.hidden:
            state.incidents.put(state.incidents.record(incident))
        else:
            state.incidents.discard(incident.id)

    def find(self, incident_id: int) -> IncidentRecord | None:
        for state in self.projects.values():
            found = state.incidents.get(incident_id)
            if found is not None:
                return found
        return None

    async def full(self, incident_id: int) -> Incident:
        """The incident with its whole stack: from the LRU when it is as new as the record,
        else from the backend (`BackendError` when that fails)."""
        known = self.find(incident_id)
        cached = self._full.get(incident_id)
        if cached is not None and (known is None or cached.change_seq >= known.change_seq):
            return cached
        detail = await self._server.connected_backend().incident(incident_id)
        self._full[incident_id] = detail
        return detail

    async def refresh(self, state: ProjectState) -> None:
        """Replace the project's store with the backend's current list (first load, catch-up),
        compacting each page as it arrives so that the full incidents never pile up."""
        backend = self._server.connected_backend()
        store: ProjectStore | None = None
        seq = state.seq or 0
        pages = backend.incident_pages(state.project_id, SHOWN_STATUSES, limit=LOAD_PAGE)
        async for page in pages:
            if store is None:
                store = ProjectStore(zdict=train(page))
            for incident in page:
                seq = max(seq, incident.change_seq)
                if incident.status in SHOWN_STATUSES and not incident.hidden:
                    store.put(store.record(incident))
            del page
        state.incidents = store if store is not None else ProjectStore()
        state.seq = seq or state.seq
        self._full.clear()
        await asyncio.to_thread(_malloc_trim)  # the first lookup runs ldconfig: not on the loop
        release_memory()


def release_memory() -> None:
    """After a big load: give freed memory back to the OS (glibc keeps it otherwise), and
    freeze what survived. A full collection walks every tracked object, and after a load that
    is the 10,000 records besides everything imported: 55-65 ms on the event loop, at a moment
    of the collector's choosing (one landed in an edit's publish). Frozen objects are still
    freed by reference counting; only a cycle among them waits for the next load, which
    unfreezes and collects them first."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, or None (looked up once: `find_library` runs ldconfig)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    return trim


def setup(server: RailguardServer) -> Incidents:
    return Incidents(server)
