"""Malformed JSON-RPC frames over stdin: `python -m railguard.lsp` logs each one, skips it and
answers the next well-formed request. (pygls's own loop waited forever after a header without
`Content-Length`.)"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest
from lspkit import SERVER_ENV

#: A bound on waiting for an answer that should come at once; only a hang reaches it.
ANSWER_TIMEOUT = 30.0


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(msg_id: int, method: str, params: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


STATUS = request(2, "workspace/executeCommand", {"command": "railguard.status", "arguments": []})
STATUS_BODY = json.dumps(STATUS).encode()

MALFORMED = {
    "no-content-length": b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + STATUS_BODY,
    "garbage-header": b"this is no header\r\n\r\n" + STATUS_BODY,
    "garbage-before-a-frame": b"\x00\xff garbage \r\n",
    "negative-length": b"Content-Length: -5\r\n\r\n" + STATUS_BODY,
    "not-a-number": b"Content-Length: twelve\r\n\r\n" + STATUS_BODY,
    "huge-length": b"Content-Length: 99999999999999\r\n\r\n" + STATUS_BODY,
    "invalid-json": b"Content-Length: 9\r\n\r\n{not json",
    "not-json-rpc": b"Content-Length: 2\r\n\r\n[]",
    "truncated-body": b"Content-Length: %d\r\n\r\n" % (len(STATUS_BODY) + 40) + STATUS_BODY[:-10],
}


class Server:
    """`python -m railguard.lsp` with raw stdin, and the messages it answers."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.buffer = b""

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)

    async def answer(self, msg_id: int) -> dict[str, Any]:
        """The response to `msg_id` (notifications meanwhile are read past)."""

        async def read() -> dict[str, Any]:
            assert self.proc.stdout is not None
            while True:
                header = await self.proc.stdout.readuntil(b"\r\n\r\n")
                length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                message = json.loads(await self.proc.stdout.readexactly(length))
                if message.get("id") == msg_id and "method" not in message:
                    return dict(message)

        return await asyncio.wait_for(read(), ANSWER_TIMEOUT)


@pytest.mark.parametrize("bad", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_a_malformed_frame_is_skipped_and_the_next_request_answered(bad: bytes) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "railguard.lsp",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=SERVER_ENV,
    )  # fmt: skip
    server = Server(proc)
    try:
        server.send(frame(request(1, "initialize", {"processId": None, "capabilities": {}})))
        assert "capabilities" in (await server.answer(1))["result"]
        server.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        server.send(bad)
        server.send(frame(STATUS))
        status = await server.answer(2)
        assert status["result"]["connected"] is False and "projects" in status["result"]
        server.send(frame(request(3, "shutdown")))
        await server.answer(3)
        server.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        assert proc.stdin is not None and proc.stderr is not None
        proc.stdin.close()
        await asyncio.wait_for(proc.wait(), ANSWER_TIMEOUT)
        log = (await proc.stderr.read()).decode()
        assert "skipped a malformed message" in log
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
