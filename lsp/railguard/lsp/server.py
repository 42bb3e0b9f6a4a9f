"""The Railguard language server object: the session state that every feature shares.

That is what the connection established (the options, the resolved settings, the backend
client, the signed-in user and the current problem) and the plumbing features use (background
tasks, telling the user once, the client's position encoding). Everything else belongs to one
feature and lives in its module under `features/`; `factory.create_server` wires them.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable, Coroutine
from importlib.metadata import PackageNotFoundError, version
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from railguard.lsp.core.options import Options, Settings
from railguard.lsp.io.backend import Backend, BackendError
from railguard.lsp.protocol import RailguardProtocol, serve_stdio

log = logging.getLogger(__name__)

try:
    VERSION = version("railguard")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    VERSION = "0.0.0"


class RailguardServer(LanguageServer):
    """pygls's server with the shared session state (see the module docstring)."""

    protocol: RailguardProtocol

    def __init__(self) -> None:
        super().__init__("railguard", VERSION, protocol_cls=RailguardProtocol)
        self.options = Options()
        self.settings: Settings | None = None
        self.backend: Backend | None = None
        self.user: str | None = None
        self.problem: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._told: set[str] = set()

    def handle(self, method: str, handler: Callable[..., Any], options: Any = None) -> None:
        """Register a feature's bound method as the handler of an LSP method."""
        self.feature(method, options)(_plain(handler))

    def handle_command(self, name: str, handler: Callable[..., Any]) -> None:
        """Register a feature's bound method as a `workspace/executeCommand` command."""
        self.command(name)(_plain(handler))

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio, skipping malformed frames (`protocol.serve_stdio`)."""
        serve_stdio(self, stdin, stdout)

    def connected_backend(self) -> Backend:
        """The backend client, or `BackendError` saying why there is none."""
        if self.backend is None:
            raise BackendError(self.problem or "Railguard is not connected")
        return self.backend

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run in the background, keeping a strong reference; errors go to the log."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task failed", exc_info=t.exception())

        task.add_done_callback(done)
        return task

    def stop_background(self) -> None:
        """Cancel every task started with `spawn` (at shutdown)."""
        for task in list(self._tasks):
            task.cancel()

    def tell(self, text: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Show a message to the user once (per distinct text), and always log it."""
        self.window_log_message(types.LogMessageParams(type=kind, message=text))
        if text not in self._told:
            self._told.add(text)
            self.window_show_message(types.ShowMessageParams(type=kind, message=text))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Unexpected handler errors go to the log, not to a popup per keystroke."""
        log.error("error in handler: %s", error, exc_info=error)

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)


def _plain(method: Callable[..., Any]) -> Callable[..., Any]:
    """A function calling `method`: pygls marks each handler with attributes, which a bound
    method cannot take, and tells async handlers by `iscoroutinefunction`."""
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def call_async(*args: Any, **kwargs: Any) -> Any:
            return await method(*args, **kwargs)

        return call_async

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        return method(*args, **kwargs)

    return call
