"""Keeping diagnostics current without editor events: the live feed and HEAD moves.

`follow` applies each change of a project's live feed to the cache and republishes the open
documents of that project (coalesced, so a burst of changes costs one publish per document).
A reconnect after an outage resumes from the last seq, so nothing is missed; while the backend
is away the last known diagnostics stay. `watch_heads` stats each repository's HEAD, ref and
packed-refs every second; when HEAD moved (checkout, commit, pull) placements are recomputed.
"""

from __future__ import annotations

import asyncio
import logging
import os

from lsprotocol import types

from railguard.lsp import config
from railguard.lsp.backend import BackendError
from railguard.lsp.features import documents
from railguard.lsp.server import RailguardServer
from railguard.lsp.state import ProjectState
from railguard.wire.models import IncidentChange

log = logging.getLogger(__name__)

HEAD_POLL = 1.0


def project_uris(ls: RailguardServer, project_id: int) -> list[str]:
    out = []
    for uri in list(ls.workspace.text_documents):
        located = ls.locate(uri)
        if located is not None and located[0].project_id == project_id:
            out.append(uri)
    return out


async def follow(ls: RailguardServer, state: ProjectState) -> None:
    """Follow one project's live feed until cancelled."""
    assert ls.backend is not None

    async def on_change(change: IncidentChange) -> None:
        if change.incident.project_id != state.project_id:
            return
        ls.apply_incident(change.incident)
        state.seq = change.seq
        if change.kind == "new" and ls.options.notify_new_incidents:
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Info,
                    message=f"Railguard: new incident: {change.incident.title} "
                    f"({change.incident.url})",
                )
            )
        for uri in project_uris(ls, state.project_id):
            documents.schedule(ls, uri, 0.02)
        ls.notify_status()

    async def on_state(connected: bool, error: BackendError | None) -> None:
        was = state.connected
        state.connected = connected
        if error is not None and error.unauthorized:
            ls.set_problem(f"Railguard: the live feed was refused: {error}", error=error)
        elif connected and ls.problem is not None and ls.problem.startswith("Railguard: live"):
            ls.set_problem(None)
        if connected != was:
            ls.notify_status()

    await ls.backend.follow(state.project_id, state.seq, on_change, on_state)


def credentials_stamp(ls: RailguardServer) -> float | None:
    """mtime of the credentials file, to retry when `railguard login` rewrites it."""
    path = ls.options.credentials_file or config.default_credentials_path()
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


async def watch_heads(ls: RailguardServer) -> None:
    """Poll HEAD of every repository; re-place everything when one moved."""
    while True:
        await asyncio.sleep(HEAD_POLL)
        try:
            await check_heads(ls)
        except Exception:  # the watcher must survive anything git or the disk throws at it
            log.exception("HEAD watch failed")


async def check_heads(ls: RailguardServer) -> bool:
    moved = False
    for folder in list(ls.folders.values()):
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
        ls.invalidate_placements()
        await documents.publish_all(ls)
    if ls.user is None and ls.credentials_stamp != credentials_stamp(ls):
        from railguard.lsp.features.connection import reconnect

        reconnect(ls)
    return moved
