"""A tiny LSP client over a subprocess's stdio: enough to open files and watch diagnostics.

Used by the benchmarks (ingest→editor latency, the language server's memory) and by the fault
test that restarts the backend under a running language server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class LspClient:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.notifications: list[tuple[float, str, Any]] = []
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read_loop())

    @classmethod
    async def start(cls, argv: list[str], env: dict[str, str], stderr: Any = None) -> LspClient:
        proc = await asyncio.create_subprocess_exec(
            *argv, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=stderr if stderr is not None else asyncio.subprocess.DEVNULL,
            limit=64 * 1024 * 1024,
        )  # fmt: skip
        return cls(proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _write(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params: Any = None, timeout: float = 30) -> Any:
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        self._write({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return await asyncio.wait_for(future, timeout)

    def notify(self, method: str, params: Any = None) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    async def _read_loop(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            length = None
            while True:
                line = await stdout.readline()
                if not line:
                    self._fail_pending()
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                continue
            message = json.loads(await stdout.readexactly(length))
            await self._dispatch(message)

    def _fail_pending(self) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("language server exited"))

    async def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" not in message:
            future = self._pending.pop(message.get("id", -1), None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(RuntimeError(str(message["error"])))
                else:
                    future.set_result(message.get("result"))
            return
        if "id" in message:  # a request from the server: accept it with an empty answer
            result: Any = None
            if message["method"] == "workspace/configuration":
                result = [None for _ in message.get("params", {}).get("items", [])]
            self._write({"jsonrpc": "2.0", "id": message["id"], "result": result})
            return
        params: Any = message.get("params") or {}
        async with self._changed:
            if message["method"] == "textDocument/publishDiagnostics":
                self.diagnostics[params["uri"]] = params["diagnostics"]
            self.notifications.append((time.perf_counter(), message["method"], params))
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> float:
        """Wait until `predicate()` holds (checked after every notification); returns the time."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)
        return time.perf_counter()

    async def initialize(self, root: Path, options: dict[str, Any]) -> Any:
        uri = root.as_uri()
        result = await self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": root.name}],
                "initializationOptions": options,
                "capabilities": {
                    "general": {"positionEncodings": ["utf-8", "utf-16"]},
                    "textDocument": {"publishDiagnostics": {"relatedInformation": True}},
                    "workspace": {"workspaceFolders": True, "configuration": True},
                    "window": {"workDoneProgress": False},
                },
            },
        )
        self.notify("initialized", {})
        return result

    def did_open(self, path: Path, text: str, language: str = "python") -> str:
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
        )
        return uri

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout=5)
            self.notify("exit")
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")
