"""Push diagnostics: place the incidents of each open document and publish them.

didOpen and didSave publish at once; didChange is debounced per URI (`DEBOUNCE`), and a publish
is skipped when the document was closed or its version moved on meanwhile, because a newer
publish is then on its way. didClose publishes an empty list. Each document keeps its
`RenderedDiagnostics` (so an edit re-renders only ranges) and its placed incidents (which the
hover, the incident list and the quick fixes read).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field

from lsprotocol import types

from railguard.lsp.core.diagnostics import PlacedIncident, RenderedDiagnostics
from railguard.lsp.features.incidents import Incidents
from railguard.lsp.features.placement import Placer
from railguard.lsp.features.repositories import Repositories
from railguard.lsp.server import RailguardServer

log = logging.getLogger(__name__)

DEBOUNCE = 0.2


@dataclass(eq=False)
class Publishing:
    """The placed and rendered diagnostics of each open document, and the pending publishes."""

    server: RailguardServer
    repositories: Repositories
    incidents: Incidents
    placer: Placer
    placed: dict[str, list[PlacedIncident]] = field(default_factory=dict, init=False)
    _rendered: dict[str, RenderedDiagnostics] = field(default_factory=dict, init=False)
    _pending: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)

    async def place(self, uri: str) -> list[PlacedIncident]:
        """Place every shown incident whose crash frame is in this open document."""
        located = self.repositories.locate(uri)
        doc = self.server.workspace.text_documents.get(uri)
        if located is None or doc is None:
            return []
        folder, rel = located
        project = folder.project_id
        state = self.incidents.projects.get(project) if project is not None else None
        if state is None or folder.repo is None:
            return []
        index = await self.repositories.index_for(folder)
        related = self.server.options.show_related_frames
        return await self.placer.place_document(
            uri, doc, folder, rel, state.incidents, index, related=related
        )

    async def publish(self, uri: str) -> None:
        """Place and publish the incidents of one open document."""
        server = self.server
        doc = server.workspace.text_documents.get(uri)
        if doc is None:
            return
        version = doc.version
        began = time.perf_counter()
        placed = await self.place(uri)
        current = server.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return
        self.placed[uri] = placed
        rendered = self._rendered.setdefault(uri, RenderedDiagnostics())
        diagnostics, count = rendered.render(
            placed,
            self.placer.lines(uri, current),
            server.encoding,
            severity_overrides=server.options.severity,
            show_related=server.options.show_related_frames,
        )
        params = f'{{"uri":{json.dumps(uri)},"diagnostics":{diagnostics}'
        if version is not None:
            params += f',"version":{version}'
        server.protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params + "}")
        log.debug(
            "published %d diagnostics for %s v%s in %.1f ms",
            count, uri, version, 1000 * (time.perf_counter() - began),
        )  # fmt: skip

    async def publish_all(self) -> None:
        """Republish every open document (after an action, a HEAD move or a reconnect)."""
        for uri in list(self.server.workspace.text_documents):
            await self.publish(uri)

    def schedule(self, uri: str, delay: float = DEBOUNCE) -> None:
        """Publish `uri` after `delay`, replacing any publish already waiting for it."""
        self._cancel(uri)

        async def later() -> None:
            await asyncio.sleep(delay)
            self._pending.pop(uri, None)
            await self.publish(uri)

        self._pending[uri] = self.server.spawn(later())

    def _cancel(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()

    async def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        """Place the document's incidents as soon as it opens."""
        self.schedule(params.text_document.uri, 0)

    async def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        """Re-place after typing stops (pygls has already applied the edit)."""
        self.schedule(params.text_document.uri)

    async def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        """A save may come with a commit; re-place at once."""
        self.schedule(params.text_document.uri, 0)

    async def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        """Clear the closed document's diagnostics."""
        uri = params.text_document.uri
        self._cancel(uri)
        self.placer.forget(uri)
        self.placed.pop(uri, None)
        self._rendered.pop(uri, None)
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )


def setup(publishing: Publishing) -> Publishing:
    """Register the handlers of `publishing` on its server."""
    server = publishing.server
    server.handle(types.TEXT_DOCUMENT_DID_OPEN, publishing.did_open)
    server.handle(types.TEXT_DOCUMENT_DID_CHANGE, publishing.did_change)
    server.handle(types.TEXT_DOCUMENT_DID_SAVE, publishing.did_save)
    server.handle(types.TEXT_DOCUMENT_DID_CLOSE, publishing.did_close)
    return publishing
