"""Lifecycle and configuration: options, connecting, workspace folders → projects.

`initialize` reads the options (bad ones: one message, then defaults); `initialized` starts the
connector, which resolves the settings (options → environment → credentials file), checks the
token with `/me`, finds each folder's repository and matches its identity to a project, loads
the incidents and starts the live feeds. A missing or rejected configuration is told once and
retried when the settings change (didChangeConfiguration, or the credentials file changes); an
unreachable backend is retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from railguard.lsp import config
from railguard.lsp.features import documents, live
from railguard.lsp.io.backend import BACKOFF_CAP, BACKOFF_START, Backend, BackendError
from railguard.lsp.io.git import GitRepo, repo_info, repository_identity
from railguard.lsp.server import RailguardServer, server
from railguard.lsp.state import FolderState, ProjectState
from railguard.wire.models import Project
from railguard.wire.repository import InvalidRepository, normalize_repository

log = logging.getLogger(__name__)


@server.feature(types.INITIALIZE)
def initialize(ls: RailguardServer, params: types.InitializeParams) -> None:
    """Read initializationOptions; problems are told after the handshake."""
    ls.options, problems = config.parse_options(params.initialization_options)
    ls.startup_problems = problems


@server.feature(types.INITIALIZED)
def initialized(ls: RailguardServer, params: types.InitializedParams) -> None:
    """Start connecting and watching HEAD, now that the client accepts notifications."""
    for problem in getattr(ls, "startup_problems", []):
        ls.tell(f"Railguard: {problem}", types.MessageType.Warning)
    ls.connector = ls.spawn(connect_loop(ls))
    ls.head_watcher = ls.spawn(live.watch_heads(ls))


@server.feature(types.SHUTDOWN)
async def shutdown(ls: RailguardServer, params: None) -> None:
    """Stop the background tasks and close the HTTP session."""
    ls.stop_background()
    if ls.backend is not None:
        await ls.backend.close()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    ls: RailguardServer, params: types.DidChangeConfigurationParams
) -> None:
    """Settings pushed by the client (`{"railguard": {...}}` or the options themselves)."""
    raw = params.settings
    if isinstance(raw, dict) and isinstance(raw.get("railguard"), dict):
        raw = raw["railguard"]
    if not isinstance(raw, dict) or not raw:
        return
    ls.options, problems = config.parse_options(raw)
    for problem in problems:
        ls.tell(f"Railguard: {problem}")
    reconnect(ls)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_folders(
    ls: RailguardServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    """Folders added or removed: find their projects again."""
    if ls.backend is not None and ls.user is not None:
        await attach(ls)
        await documents.publish_all(ls)


def reconnect(ls: RailguardServer) -> None:
    current = getattr(ls, "connector", None)
    if current is not None:
        current.cancel()
    ls.connector = ls.spawn(connect_loop(ls))


async def connect_loop(ls: RailguardServer) -> None:
    """Connect, retrying an unreachable backend with capped backoff; stop on a config problem."""
    delay = BACKOFF_START
    while True:
        outcome = await connect(ls)
        if outcome != "retry":
            return
        await asyncio.sleep(delay)
        delay = min(delay * 2, BACKOFF_CAP)


async def connect(ls: RailguardServer) -> str:
    """One attempt: "ok", "config" (needs new settings) or "retry" (backend unreachable)."""
    settings = config.resolve_settings(ls.options)
    ls.settings = settings
    ls.credentials_stamp = live.credentials_stamp(ls)
    if settings.problem is not None or settings.server_url is None or settings.token is None:
        ls.set_problem(settings.problem)
        return "config"
    if ls.backend is None or (ls.backend.base_url, ls.backend.token) != (
        settings.server_url,
        settings.token,
    ):
        if ls.backend is not None:
            await ls.backend.close()
        ls.backend = Backend(settings.server_url, settings.token)
    try:
        me = await ls.backend.me()
    except BackendError as e:
        if e.unauthorized:
            ls.set_problem(
                f"Railguard: {settings.server_url} rejected the token from the {settings.source} "
                "(run `railguard login` or set a new token).",
                error=e,
            )
            return "config"
        ls.set_problem(f"Railguard: cannot reach {settings.server_url}: {e}", error=e)
        return "retry"
    ls.user = me.email
    try:
        await attach(ls)
    except BackendError as e:
        ls.set_problem(f"Railguard: {e}", error=e)
        return "retry"
    ls.set_problem(None)
    ls.notify_status()
    await documents.publish_all(ls)
    return "ok"


def _workspace_folders(ls: RailguardServer) -> dict[str, Path]:
    out: dict[str, Path] = {}
    folders = list(ls.workspace.folders.values())
    if not folders and ls.workspace.root_uri:
        folders = [types.WorkspaceFolder(uri=ls.workspace.root_uri, name="root")]
    for folder in folders:
        fs = to_fs_path(folder.uri)
        if fs is not None:
            out[folder.uri] = Path(fs)
    return out


async def discover(ls: RailguardServer) -> None:
    """Repository, identity and HEAD of every workspace folder."""
    found: dict[str, FolderState] = {}
    for uri, path in _workspace_folders(ls).items():
        state = FolderState(uri=uri, path=path)
        state.info = await repo_info(path)
        if state.info is not None:
            top = state.info.toplevel
            state.repo = ls.repos.setdefault(top, GitRepo(top))
            state.identity = await repository_identity(top)
            state.head = state.info.head
            state.fingerprint = await state.repo.head_fingerprint()
        found[uri] = state
    ls.folders = found


def match_project(identity: str | None, projects: list[Project]) -> int | None:
    """The project with this repository identity; else the unique one with the same
    owner/name (an ssh host alias hides the real host, §13)."""
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


async def attach(ls: RailguardServer) -> None:
    """Match folders to projects, load incidents and follow each project's live feed."""
    assert ls.backend is not None
    await discover(ls)
    if ls.options.project is not None:
        for folder in ls.folders.values():
            folder.project_id = ls.options.project if folder.info is not None else None
    else:
        projects = await ls.backend.projects()
        for folder in ls.folders.values():
            folder.project_id = match_project(folder.identity, projects)
            if folder.info is not None and folder.project_id is None:
                what = folder.identity or f"{folder.path} (no origin remote)"
                ls.tell(
                    f"Railguard: no project of yours has the repository {what}; "
                    "set the `project` option to choose one.",
                    types.MessageType.Info,
                )
    wanted = {f.project_id for f in ls.folders.values() if f.project_id is not None}
    for pid in list(ls.projects):
        if pid not in wanted:
            gone = ls.projects.pop(pid)
            if gone.task is not None:
                gone.task.cancel()
    for pid in wanted:
        if pid not in ls.projects:
            ls.projects[pid] = ProjectState(pid)
        state = ls.projects[pid]
        await ls.refresh_project(state)
        if state.task is None or state.task.done():
            state.task = ls.spawn(live.follow(ls, state))
    ls.invalidate_placements()
