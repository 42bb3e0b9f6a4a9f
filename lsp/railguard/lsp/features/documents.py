"""Push diagnostics: place incidents in each open document and publish them.

didOpen and didSave publish at once; didChange is debounced per URI (~200 ms), and a publish is
skipped when the document was closed or its version moved on meanwhile, because a newer
publish is then on its way. didClose publishes an empty list.
"""

from __future__ import annotations

import asyncio
import logging
import time

from lsprotocol import types

from railguard.lsp.core.diagnostics import RenderedDiagnostics
from railguard.lsp.server import RailguardServer, server

log = logging.getLogger(__name__)

DEBOUNCE = 0.2


async def publish(ls: RailguardServer, uri: str) -> None:
    """Place and publish the incidents of one open document."""
    doc = ls.workspace.text_documents.get(uri)
    if doc is None:
        return
    version = doc.version
    began = time.perf_counter()
    placed = await ls.place_document(uri)
    current = ls.workspace.text_documents.get(uri)
    if current is None or current.version != version:
        return
    ls.placed[uri] = placed
    rendered = ls.rendered.setdefault(uri, RenderedDiagnostics())
    diagnostics, count = rendered.render(
        placed,
        ls.placer.lines(uri, current),
        ls.encoding,
        severity_overrides=ls.options.severity,
        show_related=ls.options.show_related_frames,
    )
    ls.publish_diagnostics_json(uri, version, diagnostics)
    log.debug(
        "published %d diagnostics for %s v%s in %.1f ms",
        count, uri, version, 1000 * (time.perf_counter() - began),
    )  # fmt: skip


async def publish_all(ls: RailguardServer) -> None:
    """Republish every open document (after an action, a HEAD move or a reconnect)."""
    for uri in list(ls.workspace.text_documents):
        await publish(ls, uri)


def schedule(ls: RailguardServer, uri: str, delay: float = DEBOUNCE) -> None:
    """Publish `uri` after `delay`, replacing any publish already waiting for it."""
    pending = ls.debounce.pop(uri, None)
    if pending is not None:
        pending.cancel()

    async def later() -> None:
        await asyncio.sleep(delay)
        ls.debounce.pop(uri, None)
        await publish(ls, uri)

    ls.debounce[uri] = ls.spawn(later())


def schedule_all(ls: RailguardServer, delay: float = 0.05) -> None:
    for uri in list(ls.workspace.text_documents):
        schedule(ls, uri, delay)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: RailguardServer, params: types.DidOpenTextDocumentParams) -> None:
    """Place the document's incidents as soon as it opens."""
    schedule(ls, params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: RailguardServer, params: types.DidChangeTextDocumentParams) -> None:
    """Re-place after typing stops (pygls has already applied the edit)."""
    schedule(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: RailguardServer, params: types.DidSaveTextDocumentParams) -> None:
    """A save may come with a commit; re-place at once."""
    schedule(ls, params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: RailguardServer, params: types.DidCloseTextDocumentParams) -> None:
    """Clear the closed document's diagnostics."""
    uri = params.text_document.uri
    pending = ls.debounce.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.forget_document(uri)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
