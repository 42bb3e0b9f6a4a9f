"""JSON-RPC base-protocol framing (`Content-Length: N` headers, a blank line, N bytes of JSON)
that survives malformed frames.

Pure code. A frame without a usable `Content-Length` (missing, not a number, negative, over
`MAX_BODY`), a header line that is not `Name: value`, a body that is not JSON, or a body cut
short by the next message (seen as soon as that message's header arrives): each is reported
as a `Malformed` item, and reading resumes at the next `Content-Length:` in the stream, so the
next well-formed message is served. docs/language-server.md ("Malformed input") says why that
resynchronisation point is safe.
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
#: A frame header inside a body: JSON cannot hold it (a string holds no raw line break, and
#: the words cannot stand outside a string), so the body before it was cut short.
_HEADER_IN_BODY = re.compile(rb"content-length:[ \t]*\d+\r\n", re.IGNORECASE)
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
        self._scanned = 0  # how much of a pending body was searched for a header

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
                if self._cut_short():
                    out.append(Malformed("body shorter than its Content-Length"))
                    continue
                return out
            body = bytes(self._buffer[: self._length])
            del self._buffer[: self._length]
            self._length = None
            self._scanned = 0
            out.append(self._body(body))

    def _cut_short(self) -> bool:
        """Whether the next frame's header already arrived inside the pending body; if so
        the reader moves to it."""
        start = max(0, self._scanned - 40)  # a header may straddle two reads
        self._scanned = len(self._buffer)
        found = _HEADER_IN_BODY.search(self._buffer, start)
        if found is None:
            return False
        del self._buffer[: found.start()]
        self._length = None
        self._scanned = 0
        return True

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
            # A well-formed frame may start inside these lines (after a garbage line): look
            # for it from the second byte on.
            self._buffer[:0] = header[1:] + _END
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
