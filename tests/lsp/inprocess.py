"""A language server in the test's own process: `factory.set_up` on a fresh server whose
protocol writes to a `Sink`, messages delivered through pygls's `handle_message` as a client's
would be, and a workspace folder on a real git repository with one project's incidents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lsprotocol import types

from railguard.lsp.core.framing import FrameReader
from railguard.lsp.core.records import ProjectStore
from railguard.lsp.factory import Features, set_up
from railguard.lsp.features.incidents import ProjectState
from railguard.lsp.server import RailguardServer
from railguard.wire.models import Incident


class Sink:
    """The transport: every message the server sent, decoded."""

    def __init__(self) -> None:
        self._frames = FrameReader(json.loads)
        self.messages: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.messages += self._frames.feed(data)

    def close(self) -> None:
        pass

    def notifications(self, method: str) -> list[Any]:
        return [m["params"] for m in self.messages if m.get("method") == method]


class InProcess:
    def __init__(self) -> None:
        self.server = RailguardServer()
        self.features: Features = set_up(self.server)
        self.sink = Sink()
        self.server.protocol.set_writer(self.sink)
        self._ids = 0

    def deliver(self, method: str, params: Any, *, request: bool = False) -> None:
        """A client's message, through the protocol as if it came over stdio."""
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self._ids += 1
            message["id"] = self._ids
        protocol = self.server.protocol
        protocol.handle_message(
            json.loads(json.dumps(message), object_hook=protocol.structure_message)
        )

    def initialize(self, root: Path, options: dict[str, Any] | None = None) -> None:
        uri = root.as_uri()
        self.deliver(
            types.INITIALIZE,
            {
                "processId": None,
                "rootUri": uri,
                "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
                "workspaceFolders": [{"uri": uri, "name": root.name}],
                "initializationOptions": options or {},
            },
            request=True,
        )

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        uri = path.as_uri()
        doc = {"uri": uri, "languageId": "python", "version": version}
        doc["text"] = path.read_text() if text is None else text
        self.deliver(types.TEXT_DOCUMENT_DID_OPEN, {"textDocument": doc})
        return uri

    async def attach(self, project_id: int, incidents: list[Incident]) -> ProjectState:
        """The workspace folder's repository found and matched to `project_id`, with
        `incidents` loaded (what the session does after `/projects` and the first load)."""
        repositories = self.features.repositories
        await repositories.discover()
        for folder in repositories.folders.values():
            folder.project_id = project_id
        self.features.incidents.keep_only({project_id})
        state = self.features.incidents.projects[project_id]
        state.incidents = ProjectStore(ProjectStore().record(i) for i in incidents)
        return state
