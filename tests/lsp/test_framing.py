"""`core.framing.FrameReader`: well-formed frames in any chunking, and each kind of malformed
frame reported once with the next frame still read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from railguard.lsp.core.framing import MAX_BODY, FrameReader, Malformed


def frame(message: Any) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_all(data: bytes, chunk: int) -> list[Any]:
    reader = FrameReader(json.loads)
    out: list[Any] = []
    for i in range(0, len(data), chunk):
        out += reader.feed(data[i : i + chunk])
    return out


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 10_000])
def test_frames_in_any_chunking(chunk: int) -> None:
    messages = [{"id": n, "text": "é☃" * n} for n in range(5)]
    data = b"".join(frame(m) for m in messages)
    data += b"Content-Type: application/vscode-jsonrpc\r\ncontent-length: 2\r\n\r\n{}"
    assert read_all(data, chunk) == [*messages, {}]


BAD = {
    "no-length": b"Content-Type: x\r\n\r\n" + json.dumps({"lost": 1}).encode(),
    "garbage-line": b"garbage\r\n\r\n",
    "garbage-then-frame-header": b"\x00garbage\r\n",
    "negative": b"Content-Length: -5\r\n\r\n{}",
    "huge": b"Content-Length: %d\r\n\r\n{}" % (MAX_BODY + 1),
    "not-json": b"Content-Length: 4\r\n\r\n{no}",
    "truncated": b'Content-Length: 60\r\n\r\n{"cut":',
    "endless-header": b"X" * 9000,
}


@pytest.mark.parametrize("chunk", [1, 5, 4096])
@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_a_malformed_frame_is_reported_and_the_next_one_read(bad: bytes, chunk: int) -> None:
    out = read_all(frame({"before": 1}) + bad + frame({"after": 2}), chunk)
    assert out[0] == {"before": 1} and out[-1] == {"after": 2}
    assert len(out) == 3 and isinstance(out[1], Malformed), out


def test_decode_errors_are_malformed_not_raised() -> None:
    def strict(body: bytes) -> Any:
        value = json.loads(body)
        if not isinstance(value, dict):
            raise TypeError("not an object")
        return value

    reader = FrameReader(strict)
    out = reader.feed(frame([1, 2]) + frame({"ok": True}))
    assert isinstance(out[0], Malformed) and "not an object" in out[0].reason
    assert out[1] == {"ok": True}
