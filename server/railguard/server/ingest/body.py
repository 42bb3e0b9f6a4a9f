"""Reading one ingest request body: peek before inflating, a budget across requests, memory back.

An envelope may carry its key only in its first line (the header's `dsn`), which sits inside
the compressed body. `BodyReader.first_line` inflates just that line, with a small cap and a
throw-away decoder, keeping the compressed bytes it read; the view authenticates; only then
does `read` inflate the whole body (the head again, it is tiny). So a request without a valid
key costs at most the compressed bytes up to its first newline plus `HEAD_CAP` of output.

Inflated bytes in flight across all requests of a process are bounded by an
`InflateBudget`: a request reserves its output as it grows and waits (at most `wait` seconds,
then 429) when the budget is spent. After a large body, glibc is asked to give freed memory
back to the system (`malloc_trim`), or a burst leaves the process at its peak size for good.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from railguard.server.errors import BadRequest, PayloadTooLarge
from railguard.server.ingest.decompress import Decoder

if TYPE_CHECKING:
    import aiohttp

__all__ = ["HEAD_CAP", "BodyReader", "InflateBudget", "BudgetExhausted", "give_memory_back"]

HEAD_CAP = 64 * 1024
"""Largest envelope header line inflated before the key is known."""
_READ_CHUNK = 64 * 1024
_HEAD_SLICE = 1024
"""Compressed bytes fed at a time while looking for the first newline."""
_BUDGET_SLICE = 8 * 1024
_INLINE_DECODE = 1024
"""Compressed slices at most this big are decoded on the event loop."""
_TRIM_AFTER = 4 * 1024 * 1024
"""Bodies at least this big (inflated) give memory back when done."""


class BudgetExhausted(Exception):
    """Too many bytes are being inflated at once in this process: answer 429, retry shortly."""


class InflateBudget:
    """A byte budget shared by every request of a process."""

    def __init__(self, total: int, *, wait: float = 5.0) -> None:
        self.total = total
        self.wait = wait
        self.used = 0
        self._changed = asyncio.Condition()

    async def take(self, amount: int) -> None:
        """Reserve `amount` bytes, waiting up to `wait` seconds for others to give some back."""
        if amount > self.total:
            raise PayloadTooLarge(f"decompressed body exceeds {self.total} bytes")
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.used + amount <= self.total), self.wait
                )
            except TimeoutError:
                raise BudgetExhausted("too much decompression in flight") from None
            self.used += amount

    async def give(self, amount: int) -> None:
        if amount <= 0:
            return
        async with self._changed:
            self.used = max(0, self.used - amount)
            self._changed.notify_all()


class _LineFound(Exception):
    pass


class _HeadEmit:
    """Collects the head decoder's output and stops it at the first newline."""

    def __init__(self) -> None:
        self.data = bytearray()

    def __call__(self, out: bytes) -> None:
        self.data += out
        if b"\n" in out:
            raise _LineFound


class BodyReader:
    """One request body, read from the wire with caps; see the module docstring."""

    def __init__(
        self,
        content: aiohttp.StreamReader,
        encoding: str | None,
        *,
        max_compressed: int,
        max_decompressed: int,
        budget: InflateBudget | None = None,
    ) -> None:
        self._content = content
        self._encoding = encoding
        self._max_compressed = max_compressed
        self._max_decompressed = max_decompressed
        self._budget = budget
        self._raw: list[bytes] = []  # compressed chunks read by `first_line`, fed again by `read`
        self._received = 0
        self._reserved = 0
        Decoder(encoding)  # refuse an unknown encoding before reading anything

    async def _next_chunk(self) -> bytes | None:
        chunk = await self._content.read(_READ_CHUNK)
        if not chunk:
            return None
        self._received += len(chunk)
        if self._received > self._max_compressed:
            raise PayloadTooLarge(f"request body exceeds {self._max_compressed} bytes")
        return chunk

    async def first_line(self, cap: int = HEAD_CAP) -> bytes:
        """The body's first line (without the newline), inflating at most `cap` + one step."""
        head = _HeadEmit()
        decoder = Decoder(self._encoding, max_output=cap)
        decoder.set_emit_hook(head)
        try:
            while (chunk := await self._next_chunk()) is not None:
                self._raw.append(chunk)
                for start in range(0, len(chunk), _HEAD_SLICE):
                    decoder.feed(chunk[start : start + _HEAD_SLICE])
            decoder.finish()
        except _LineFound:
            pass
        except PayloadTooLarge:
            raise BadRequest(f"envelope header line exceeds {cap} bytes") from None
        return bytes(head.data).split(b"\n", 1)[0]

    async def read(self) -> bytes:
        """The whole body, inflated within the caps and the process's budget."""
        decoder = Decoder(self._encoding, max_output=self._max_decompressed)
        loop = asyncio.get_running_loop()
        parts: list[bytes] = []
        pending, self._raw = self._raw, []
        while True:
            chunk = pending.pop(0) if pending else await self._next_chunk()
            if chunk is None:
                break
            if decoder.encoding == "identity":
                await self._reserve(len(chunk))
                parts.append(decoder.feed(chunk))
                continue
            # Compressed input goes in slices, so the output not yet counted against the budget
            # is bounded by what one slice can expand to.
            for start in range(0, len(chunk), _BUDGET_SLICE):
                piece = chunk[start : start + _BUDGET_SLICE]
                if len(piece) <= _INLINE_DECODE:
                    out = decoder.feed(piece)
                else:  # may expand to megabytes: not on the event loop
                    out = await loop.run_in_executor(None, decoder.feed, piece)
                await self._reserve(len(out))
                parts.append(out)
        tail = decoder.finish()
        await self._reserve(len(tail))
        parts.append(tail)
        return b"".join(parts)

    async def _reserve(self, amount: int) -> None:
        if self._budget is not None and amount:
            await self._budget.take(amount)
            self._reserved += amount

    async def release(self) -> None:
        """Give the budget back; after a large body, give freed memory back to the system."""
        reserved, self._reserved = self._reserved, 0
        if self._budget is not None:
            await self._budget.give(reserved)
        if reserved >= _TRIM_AFTER:
            give_memory_back()


@functools.cache
def _malloc_trim() -> Callable[[int], Any] | None:
    """glibc's `malloc_trim`, or None (looked up once: `find_library` runs ldconfig)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    return trim


def give_memory_back() -> None:
    """Return freed heap pages to the system (glibc only; elsewhere nothing happens)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
