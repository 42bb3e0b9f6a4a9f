"""Watching the repositories without editor events: every `HEAD_POLL` seconds each
repository's HEAD, branch ref and packed-refs are stat-ed (microseconds); when HEAD moved
(checkout, commit, pull) every placement is redone and every open document republished."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from railguard.lsp.features.placement import Placer
from railguard.lsp.features.publishing import Publishing
from railguard.lsp.features.repositories import Repositories
from railguard.lsp.server import RailguardServer

log = logging.getLogger(__name__)

HEAD_POLL = 1.0


@dataclass(eq=False)
class HeadWatcher:
    server: RailguardServer
    repositories: Repositories
    placer: Placer
    publishing: Publishing
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = self.server.spawn(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(HEAD_POLL)
            try:
                await self.check()
            except Exception:  # the watcher must survive anything git or the disk throws at it
                log.exception("HEAD watch failed")

    async def check(self) -> bool:
        """Look at every repository's HEAD once; True when one moved (and all was redone)."""
        moved = False
        for folder in list(self.repositories.folders.values()):
            if folder.repo is None:
                continue
            stamp = await folder.repo.head_fingerprint()
            if stamp == folder.fingerprint:
                continue
            folder.fingerprint = stamp
            head = await folder.repo.head()
            if head != folder.head:
                log.info("HEAD of %s moved to %s", folder.repo.toplevel, head)
                folder.head = head
                folder.repo.forget_missing_commits()
                moved = True
        if moved:
            self.placer.invalidate()
            await self.publishing.publish_all()
        return moved
