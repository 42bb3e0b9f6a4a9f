"""The session: lifecycle, options, connecting, and workspace folders matched to projects.

`initialize` reads the options (bad ones: one message, then defaults); `initialized` starts the
connector and the HEAD watcher. The connector resolves the settings (options, environment,
credentials file), checks the token with `/me`, finds each folder's repository and matches its
identity to a project, loads the incidents and follows the live feeds. A missing or rejected
configuration is told once and retried when the settings change (didChangeConfiguration, or
the credentials file changes); an unreachable backend is retried with capped backoff.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from enum import Enum

from lsprotocol import types

from railguard.lsp.core.options import parse_options
from railguard.lsp.core.projects import match_project
from railguard.lsp.features.base import IncidentFeature
from railguard.lsp.features.livefeed import LiveFeed
from railguard.lsp.features.uptime import MonitorWatch
from railguard.lsp.features.watchers import HeadWatcher
from railguard.lsp.io.backend import BACKOFF_CAP, BACKOFF_START, Backend, BackendError
from railguard.lsp.io.credentials import credentials_stamp, resolve_settings

log = logging.getLogger(__name__)

#: How often the credentials file is looked at while the settings are missing or rejected.
CREDENTIALS_POLL = 1.0


class Outcome(Enum):
    CONNECTED = "ok"
    NEEDS_SETTINGS = "config"
    UNREACHABLE = "retry"


@dataclass(eq=False)
class Session(IncidentFeature):
    livefeed: LiveFeed
    watcher: HeadWatcher
    monitors: MonitorWatch
    _startup_problems: list[str] = field(default_factory=list, init=False)
    _connector: asyncio.Task[None] | None = field(default=None, init=False)

    # --- handlers ----------------------------------------------------------------------------

    def initialize(self, params: types.InitializeParams) -> None:
        """Read initializationOptions; problems are told after the handshake."""
        self.server.options, self._startup_problems = parse_options(params.initialization_options)

    def initialized(self, params: types.InitializedParams) -> None:
        """Start connecting and watching HEAD, now that the client accepts notifications."""
        for problem in self._startup_problems:
            self.server.tell(f"Railguard: {problem}", types.MessageType.Warning)
        self.reconnect()
        self.watcher.start()

    async def shutdown(self, params: None) -> None:
        """Stop the background tasks and close the HTTP session."""
        self.server.stop_background()
        if self.server.backend is not None:
            await self.server.backend.close()

    async def did_change_configuration(self, params: types.DidChangeConfigurationParams) -> None:
        """Settings pushed by the client (`{"railguard": {...}}` or the options themselves)."""
        raw = params.settings
        if isinstance(raw, dict) and isinstance(raw.get("railguard"), dict):
            raw = raw["railguard"]
        if not isinstance(raw, dict) or not raw:
            return
        self.server.options, problems = parse_options(raw)
        for problem in problems:
            self.server.tell(f"Railguard: {problem}")
        self.reconnect()

    async def did_change_folders(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        """Folders added or removed: find their projects again."""
        if self.server.backend is not None and self.server.user is not None:
            await self.attach()
            await self.publishing.publish_all()

    # --- connecting --------------------------------------------------------------------------

    def reconnect(self) -> None:
        if self._connector is not None:
            self._connector.cancel()
        self._connector = self.server.spawn(self._connect_loop())

    async def _connect_loop(self) -> None:
        """Connect; retry an unreachable backend with capped backoff, and missing or rejected
        settings when the credentials file changes. Either wait ends early on that change."""
        delay = BACKOFF_START
        while True:
            stamp = credentials_stamp(self.server.options)
            outcome = await self.connect()
            if outcome is Outcome.CONNECTED:
                return
            wait = delay if outcome is Outcome.UNREACHABLE else None
            await self._credentials_changed(stamp, wait)
            delay = min(delay * 2, BACKOFF_CAP) if wait is not None else BACKOFF_START

    async def _credentials_changed(self, stamp: float | None, timeout: float | None) -> None:
        """Return when the credentials file's mtime is no longer `stamp`, or after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while credentials_stamp(self.server.options) == stamp:
            left = CREDENTIALS_POLL if deadline is None else deadline - loop.time()
            if left <= 0:
                return
            await asyncio.sleep(min(left, CREDENTIALS_POLL))

    async def connect(self) -> Outcome:
        """One attempt to connect and load every project."""
        server, status = self.server, self.status
        settings = server.settings = resolve_settings(server.options)
        if settings.problem is not None or settings.server_url is None or settings.token is None:
            status.set_problem(settings.problem)
            return Outcome.NEEDS_SETTINGS
        backend = server.backend
        if backend is None or (backend.base_url, backend.token) != (
            settings.server_url,
            settings.token,
        ):
            if backend is not None:
                await backend.close()
            backend = server.backend = Backend(settings.server_url, settings.token)
        try:
            me = await backend.me()
        except BackendError as e:
            if e.unauthorized:
                status.set_problem(
                    f"Railguard: {settings.server_url} rejected the token from the "
                    f"{settings.source} (run `railguard login` or set a new token).",
                    error=e,
                )
                return Outcome.NEEDS_SETTINGS
            status.set_problem(f"Railguard: cannot reach {settings.server_url}: {e}", error=e)
            return Outcome.UNREACHABLE
        server.user = me.email
        try:
            await self.attach()
        except BackendError as e:
            status.set_problem(f"Railguard: {e}", error=e)
            return Outcome.UNREACHABLE
        status.set_problem(None)
        status.notify()
        await self.publishing.publish_all()
        return Outcome.CONNECTED

    async def attach(self) -> None:
        """Match folders to projects, load incidents, follow each project's live feed and
        count its monitors."""
        server, repositories = self.server, self.repositories
        backend = server.connected_backend()
        await repositories.discover()
        folders = repositories.folders.values()
        if server.options.project is not None:
            for folder in folders:
                folder.project_id = server.options.project if folder.info is not None else None
        else:
            projects = await backend.projects()
            for folder in folders:
                folder.project_id = match_project(folder.identity, projects)
                if folder.info is not None and folder.project_id is None:
                    what = folder.identity or f"{folder.path} (no origin remote)"
                    server.tell(
                        f"Railguard: no project of yours has the repository {what}; "
                        "set the `project` option to choose one.",
                        types.MessageType.Info,
                    )
        self.livefeed.stop(self.incidents.keep_only(repositories.project_ids()))
        for state in list(self.incidents.projects.values()):
            await self.incidents.refresh(state)
            self.livefeed.follow(state)
        self.monitors.watch(list(self.incidents.projects))
        self.placer.invalidate()


def setup(session: Session) -> Session:
    """Register the handlers of `session` on its server."""
    server = session.server
    server.handle(types.INITIALIZE, session.initialize)
    server.handle(types.INITIALIZED, session.initialized)
    server.handle(types.SHUTDOWN, session.shutdown)
    server.handle(types.WORKSPACE_DID_CHANGE_CONFIGURATION, session.did_change_configuration)
    server.handle(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, session.did_change_folders)
    return session
