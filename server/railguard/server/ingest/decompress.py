"""Bounded, streaming decoding of request bodies (docs/sentry-protocol.md §3 and §8).

Content-Encoding values accepted:

- `""`, `identity`, `utf-8` (any case): identity. Ruby sends an empty header, old
  sentry-java android sends `UTF-8`.
- `gzip`, `x-gzip`: gzip (concatenated members allowed, as RFC 1952 permits).
- `deflate`: zlib, falling back to raw deflate when the body has no zlib header.
- `br`: brotli, the Python SDK's default.
- anything else (zstd included: no SDK sends it by default): 400.

Decompression bombs are the threat here: every decoder produces output in steps of at most
`_STEP` bytes (zlib's `max_length`/`unconsumed_tail`, brotli's `output_buffer_limit`), and the
running total is checked after each step, so a 10 GiB bomb is refused after ~cap bytes of work
and memory never grows past the cap plus one step.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import brotli

from railguard.server.errors import BadRequest, PayloadTooLarge

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "MAX_COMPRESSED",
    "MAX_DECOMPRESSED",
    "MAX_STORE_BODY",
    "Decoder",
    "decode_legacy_store_body",
    "normalize_encoding",
    "read_body",
]

MAX_COMPRESSED = 20 * 1024 * 1024
"""Cap on the bytes read from the wire."""
MAX_DECOMPRESSED = 100 * 1024 * 1024
"""Cap on a decompressed envelope."""
MAX_STORE_BODY = 1024 * 1024
"""Cap on a decompressed legacy `/store/` body."""

_STEP = 64 * 1024
"""Largest output produced per decompression step."""
_READ_CHUNK = 64 * 1024
_INLINE_DECODE = 4 * 1024
"""Compressed chunks at most this big are decoded on the event loop; larger ones (which can
expand to tens of MiB) go to the default executor."""

_IDENTITY = frozenset({"", "identity", "utf-8", "utf8"})
_GZIP = frozenset({"gzip", "x-gzip"})


def normalize_encoding(encoding: str | None) -> str:
    """Map a Content-Encoding header to `identity`, `gzip`, `deflate` or `br`, else 400."""
    value = (encoding or "").strip().lower()
    if value in _IDENTITY:
        return "identity"
    if value in _GZIP:
        return "gzip"
    if value in ("deflate", "br"):
        return value
    # Shown in X-Sentry-Error, so keep it short and free of control characters.
    shown = "".join(ch for ch in value[:40] if ch.isprintable())
    raise BadRequest(f"unsupported content encoding: {shown!r}")


class _ZlibStream:
    """zlib/gzip/raw-deflate inflater that never produces more than `_STEP` bytes at once."""

    def __init__(self, wbits: int, *, multi_member: bool) -> None:
        self._wbits = wbits
        self._multi_member = multi_member
        self._obj = zlib.decompressobj(wbits)
        self._seen_input = False

    def run(self, data: bytes, emit: _Emit) -> None:
        if data:
            self._seen_input = True
        while True:
            if self._obj.eof:
                rest = self._obj.unused_data + data
                if not rest:
                    return
                if not self._multi_member:
                    raise BadRequest("trailing data after compressed body")
                # Another gzip member follows (RFC 1952 allows concatenation).
                self._obj = zlib.decompressobj(self._wbits)
                data = rest
            try:
                out = self._obj.decompress(data, _STEP)
            except zlib.error as exc:
                raise BadRequest(f"invalid compressed body: {exc}") from None
            emit(out)
            data = self._obj.unconsumed_tail
            # A full step may leave output pending inside zlib even with no input left.
            if not data and len(out) < _STEP and not self._obj.eof:
                return

    def finish(self, emit: _Emit) -> None:
        self.run(b"", emit)
        if self._seen_input and not self._obj.eof:
            raise BadRequest("truncated compressed body")


class _BrotliStream:
    """Brotli decoder bounded with brotli >= 1.2's `output_buffer_limit`."""

    def __init__(self) -> None:
        self._obj = brotli.Decompressor()
        self._seen_input = False

    def run(self, data: bytes, emit: _Emit) -> None:
        if not data:
            return
        self._seen_input = True
        if self._obj.is_finished():
            raise BadRequest("trailing data after compressed body")
        try:
            out = self._obj.process(data, output_buffer_limit=_STEP)
            emit(out)
            # A capped step may leave output inside the decoder. `can_accept_more_data()`
            # only reports that for `decompress(max_length=)` (brotli 1.2), never for
            # `process(output_buffer_limit=)`, so drain until a step yields nothing.
            while out and not self._obj.is_finished():
                out = self._obj.process(b"", output_buffer_limit=_STEP)
                emit(out)
        except brotli.error as exc:
            raise BadRequest(f"invalid brotli body: {exc}") from None

    def finish(self, emit: _Emit) -> None:
        if self._seen_input and not self._obj.is_finished():
            raise BadRequest("truncated compressed body")


class _Emit:
    """Collects decoder output and enforces the decompressed cap after every step."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.parts: list[bytes] = []
        self.hook: Callable[[bytes], None] | None = None

    def __call__(self, out: bytes) -> None:
        if not out:
            return
        self.total += len(out)
        if self.total > self.limit:
            self.parts.clear()
            raise PayloadTooLarge(f"decompressed body exceeds {self.limit} bytes")
        self.parts.append(out)
        if self.hook is not None:
            self.hook(out)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


class Decoder:
    """Incremental, capped decoder for one request body.

    `feed(chunk)` returns the output available so far and `finish()` the rest, checking the
    stream is complete. Both raise `PayloadTooLarge` as soon as the total output exceeds
    `max_output`, and `BadRequest` for corrupt or truncated data.
    """

    def __init__(self, encoding: str | None, *, max_output: int = MAX_DECOMPRESSED) -> None:
        self.encoding = normalize_encoding(encoding)
        self._emit = _Emit(max_output)
        self._stream: _ZlibStream | _BrotliStream | None = None
        self._pending = b""  # `deflate` only: bytes held back until the header can be sniffed
        self._finished = False
        if self.encoding == "gzip":
            self._stream = _ZlibStream(16 + zlib.MAX_WBITS, multi_member=True)
        elif self.encoding == "br":
            self._stream = _BrotliStream()

    def set_emit_hook(self, hook: Callable[[bytes], None]) -> None:
        """Call `hook` with every piece of output as it is produced (it may raise to stop)."""
        self._emit.hook = hook

    @property
    def total_output(self) -> int:
        """Bytes produced so far."""
        return self._emit.total

    def feed(self, chunk: bytes) -> bytes:
        """Decode one chunk of the body; returns the newly available output."""
        if self._finished:
            raise RuntimeError("Decoder.feed() after finish()")
        if not chunk:
            return b""
        if self.encoding == "identity":
            self._emit(bytes(chunk))
        elif self.encoding == "deflate" and self._stream is None:
            self._pending += chunk
            if len(self._pending) < 2:
                return b""
            self._stream = _ZlibStream(_deflate_wbits(self._pending), multi_member=False)
            data, self._pending = self._pending, b""
            self._stream.run(data, self._emit)
        else:
            assert self._stream is not None
            self._stream.run(bytes(chunk), self._emit)
        return self._emit.take()

    def finish(self) -> bytes:
        """Flush the decoder and check the stream ended cleanly."""
        if self._finished:
            return b""
        self._finished = True
        if self._pending:  # a deflate body shorter than its own header
            raise BadRequest("truncated compressed body")
        if self._stream is not None:
            self._stream.finish(self._emit)
        return self._emit.take()


def _deflate_wbits(head: bytes) -> int:
    """`deflate` means zlib (RFC 1950) but some clients send raw deflate: sniff the header."""
    cmf, flg = head[0], head[1]
    if cmf & 0x0F == 8 and (cmf >> 4) <= 7 and ((cmf << 8) | flg) % 31 == 0:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS


async def read_body(
    content: aiohttp.StreamReader,
    encoding: str | None,
    *,
    max_compressed: int = MAX_COMPRESSED,
    max_decompressed: int = MAX_DECOMPRESSED,
) -> bytes:
    """Read a request body in chunks, capping the wire bytes, then the decoded bytes.

    An unknown encoding is refused before anything is read. Large compressed chunks are
    decoded in the default executor so a bomb cannot stall the event loop.
    """
    decoder = Decoder(encoding, max_output=max_decompressed)
    parts: list[bytes] = []
    received = 0
    loop = asyncio.get_running_loop()
    async for chunk in content.iter_chunked(_READ_CHUNK):
        received += len(chunk)
        if received > max_compressed:
            raise PayloadTooLarge(f"request body exceeds {max_compressed} bytes")
        if decoder.encoding == "identity" or len(chunk) <= _INLINE_DECODE:
            out = decoder.feed(chunk)
        else:
            out = await loop.run_in_executor(None, decoder.feed, chunk)
        if out:
            parts.append(out)
    parts.append(decoder.finish())
    return b"".join(parts)


def decode_legacy_store_body(body: bytes, *, max_size: int = MAX_STORE_BODY) -> bytes:
    """Decode a legacy `/store/` body: JSON as is, else base64(zlib(json)).

    See docs/sentry-protocol.md §1.

    The sniff ignores headers, as Relay does: a body whose first non-blank byte is `{` is
    JSON; otherwise it is base64 text of a zlib stream (bare zlib is accepted too).
    """
    stripped = body.lstrip()
    if stripped[:1] == b"{":
        if len(body) > max_size:
            raise PayloadTooLarge(f"store body exceeds {max_size} bytes")
        return body
    if not stripped:
        raise BadRequest("empty store body")
    if stripped[:1] == b"\x78":  # zlib header byte: already binary
        raw = stripped
    else:
        try:
            raw = base64.b64decode(b"".join(stripped.split()), validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("store body is neither JSON nor base64") from None
    decoder = Decoder("deflate", max_output=max_size)
    return decoder.feed(raw) + decoder.finish()
