"""JSON-RPC base-protocol framing (`Content-Length: N` headers, a blank line, N bytes of JSON)
that survives malformed frames.

Pure code. A frame without a usable `Content-Length` (missing, not a number, negative, over
`MAX_BODY`), a header line that is not `Name: value`, a body that is not JSON or a body cut
short by the next message: each is reported as a `Malformed` item, and reading resumes at the
next `Content-Length:` in the stream, so the next well-formed message is served. The protocol
has no other resynchronisation point; docs/language-server.md says why this one is safe.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Largest body accepted (a didOpen carries the whole file).
MAX_BODY = 64 * 1024 * 1024
#: Longest header section accepted before its blank line.
MAX_HEADER = 8 * 1024
_MARKER = re.compile(rb"content-length:", re.IGNORECASE)
_MARKER_LEN = len(b"content-length:")
_END = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class Malformed:
    """A frame that was skipped, and why."""

    reason: str


class FrameReader:
    """Feed it the bytes as they arrive; it returns each message decoded by `decode` (a
    function of the body's bytes), or a `Malformed` in its place."""

    def __init__(self, decode: Callable[[bytes], Any]) -> None:
        self._decode = decode
        self._buffer = bytearray()
        self._length: int | None = None
        self._resync = False

    def feed(self, data: bytes) -> list[Any]:
        self._buffer += data
        out: list[Any] = []
        while True:
            if self._resync and not self._skip_to_header():
                return out
            if self._length is None:
                if not self._read_header(out):
                    return out
                continue
            if len(self._buffer) < self._length:
                return out
            body = bytes(self._buffer[: self._length])
            del self._buffer[: self._length]
            self._length = None
            out.append(self._body(body))

    def _skip_to_header(self) -> bool:
        """Drop bytes up to the next `Content-Length:`; False when none has arrived yet."""
        found = _MARKER.search(self._buffer)
        if found is None:
            keep = _MARKER_LEN - 1  # the marker may be split across two reads
            if len(self._buffer) > keep:
                del self._buffer[: len(self._buffer) - keep]
            return False
        del self._buffer[: found.start()]
        self._resync = False
        return True

    def _read_header(self, out: list[Any]) -> bool:
        """Parse one header section; False when it is not complete yet."""
        end = self._buffer.find(_END)
        if end < 0:
            if len(self._buffer) > MAX_HEADER:
                self._malformed(out, f"no end of headers in {MAX_HEADER} bytes")
                del self._buffer[:1]  # the search must move past this header
                return True
            return False
        header = bytes(self._buffer[:end])
        del self._buffer[: end + len(_END)]
        length, problem = parse_header(header)
        if problem is not None:
            self._malformed(out, problem)
        else:
            self._length = length
        return True

    def _body(self, body: bytes) -> Any:
        try:
            return self._decode(body)
        except Exception as e:
            cut = _MARKER.search(body, 1)
            if isinstance(e, ValueError) and cut is not None:
                # Shorter than its Content-Length said: the next frame's header is inside.
                self._buffer[:0] = body[cut.start() :]
                return Malformed("body shorter than its Content-Length")
            return Malformed(f"body is not a JSON-RPC message: {e}")

    def _malformed(self, out: list[Any], reason: str) -> None:
        out.append(Malformed(reason))
        self._resync = True


def parse_header(header: bytes) -> tuple[int, str | None]:
    """The Content-Length of a header section (without its blank line), or a problem."""
    length: int | None = None
    for line in header.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if not colon or not name.strip() or not line.isascii():
            return 0, f"malformed header line {line[:80]!r}"
        if name.strip().lower() == b"content-length":
            text = value.strip()
            if not text.isdigit():
                return 0, f"Content-Length {text[:40]!r} is not a length"
            length = int(text)
    if length is None:
        return 0, "no Content-Length header"
    if length > MAX_BODY:
        return 0, f"Content-Length {length} is over the {MAX_BODY}-byte limit"
    return length, None
