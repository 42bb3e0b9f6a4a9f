"""Every use of pygls internals, in one place: the pre-rendered publish and the stdio loop.

pygls (pinned to one minor version in pyproject.toml) gives no public way to send a
notification whose params are JSON text already, nor to read stdin leniently:

- `RailguardProtocol.notify_json` writes the frame itself with pygls's `writer` and
  `_include_headers`, as pygls's `_send_data` does; `notify` would turn the text into objects
  and back through the converter, which costs more than the rest of a publish. When a pygls
  release drops those attributes it falls back to `notify` (tests/lsp/test_protocol.py checks
  both against `notify`'s bytes).
- `serve_stdio` replaces pygls's stdin loop, which waits forever after a header without
  `Content-Length`, with `core.framing.FrameReader`, which skips malformed frames.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import sys
import threading
from typing import Any, BinaryIO

from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol
from pygls.server import JsonRPCServer

from railguard.lsp.core.framing import FrameReader, Malformed

log = logging.getLogger(__name__)

#: Writes to an asynchronous transport that have not finished yet.
_PENDING_WRITES: set[asyncio.Future[Any]] = set()
#: Bytes asked of stdin per read (a read returns what is there, up to this).
READ_SIZE = 64 * 1024


class RailguardProtocol(LanguageServerProtocol):
    """pygls's protocol, plus notifications whose params are JSON text already."""

    def notify_json(self, method: str, params: str) -> None:
        """Send a notification whose `params` are JSON text (e.g. `RenderedDiagnostics`)."""
        try:
            writer, include_headers = self.writer, self._include_headers
        except AttributeError:  # a pygls without these internals: the public way
            self.notify(method, json.loads(params))
            return
        if writer is None:
            log.error("Unable to send %s, no available transport", method)
            return
        body = f'{{"jsonrpc":"2.0","method":{json.dumps(method)},"params":{params}}}'.encode()
        if include_headers:
            header = (
                f"Content-Length: {len(body)}\r\n"
                f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
            )
            body = header.encode() + body
        res = writer.write(body)
        if inspect.isawaitable(res):
            # An asynchronous transport: the event loop keeps only a weak reference to a task,
            # so the pending write is held here until it is done.
            task = asyncio.ensure_future(res)
            _PENDING_WRITES.add(task)
            task.add_done_callback(_PENDING_WRITES.discard)


def serve_stdio(
    server: JsonRPCServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """pygls's `start_io` with a reader that logs and skips malformed frames."""
    server._stop_event = stop = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(_read_loop(server, stdin or sys.stdin.buffer, stop))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


async def _read_loop(server: JsonRPCServer, stdin: BinaryIO, stop: threading.Event) -> None:
    protocol = server.protocol
    loop = asyncio.get_running_loop()
    read = getattr(stdin, "read1", stdin.read)  # read1: what is there, without waiting for more

    def decode(body: bytes) -> Any:
        message = json.loads(body, object_hook=protocol.structure_message)
        if not hasattr(message, "jsonrpc"):  # JSON, but a list, a number, a plain object…
            raise TypeError("not a JSON-RPC message")
        return message

    frames = FrameReader(decode)
    while not stop.is_set():
        data = await loop.run_in_executor(server.thread_pool, read, READ_SIZE)
        if not data:
            break
        for message in frames.feed(data):
            if isinstance(message, Malformed):
                log.error("skipped a malformed message from the client: %s", message.reason)
                continue
            try:
                protocol.handle_message(message)
            except Exception:
                log.exception("Unable to handle message")
