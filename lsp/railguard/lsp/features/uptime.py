"""The uptime monitors of the workspace's projects, for the status: how many are down.

The live feed carries incident changes only, so the monitors are counted by polling the
backend's per-project summary every `monitorPollSeconds` (default 10 s) while connected. A
project whose summary cannot be read (no access any more, a backend without monitors) has no
count (null in the status), never a made-up zero; a transient failure keeps the last count.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from railguard.lsp.features.status import Status
from railguard.lsp.io.backend import BackendError
from railguard.lsp.server import RailguardServer

log = logging.getLogger(__name__)


@dataclass(eq=False)
class MonitorWatch:
    server: RailguardServer
    status: Status
    _projects: tuple[int, ...] = field(default=(), init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    def watch(self, project_ids: list[int]) -> None:
        """Count the monitors of these projects from now on (at once, then every period)."""
        self._projects = tuple(sorted(project_ids))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = self.server.spawn(self._loop())

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            await self.count_once()
            try:
                await asyncio.wait_for(self._wake.wait(), self.server.options.monitor_poll_seconds)
            except TimeoutError:
                pass

    async def count_once(self) -> None:
        """Read every watched project's summary and hand the down counts to the status."""
        try:
            backend = self.server.connected_backend()
        except BackendError:
            return
        down = dict(self.status.monitors_down)
        for project_id in self._projects:
            try:
                summary = await backend.monitor_summary(project_id)
            except BackendError as e:
                if e.status is not None and 400 <= e.status < 500:
                    down.pop(project_id, None)
                else:
                    log.info("monitors of project %s not counted: %s", project_id, e)
                continue
            down[project_id] = summary.down
        self.status.set_monitors_down({p: n for p, n in down.items() if p in self._projects})
