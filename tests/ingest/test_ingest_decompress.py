"""Content-Encoding handling and decompression-bomb refusal (docs/sentry-protocol.md §3, §8)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from unittest import mock

import aiohttp
import brotli
import pytest

from railguard.server.errors import BadRequest, DomainError, PayloadTooLarge
from railguard.server.http_errors import status_of
from railguard.server.ingest.decompress import (
    Decoder,
    decode_legacy_store_body,
    normalize_encoding,
    read_body,
)

BODY = b'{"event_id":"e8a54d0269104112805bcf804a5b8369","message":"hello"}\n' * 200
MIB = 1024 * 1024
GIB = 1024 * MIB


def _raw_deflate(data: bytes) -> bytes:
    obj = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return obj.compress(data) + obj.flush()


def _decode_all(encoding: str, data: bytes, chunk: int = 1000, cap: int = 10 * MIB) -> bytes:
    decoder = Decoder(encoding, max_output=cap)
    out = [decoder.feed(data[i : i + chunk]) for i in range(0, len(data), chunk)]
    return b"".join(out) + decoder.finish()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        pytest.param("", lambda b: b, id="empty-header-is-identity"),
        pytest.param("identity", lambda b: b, id="identity"),
        pytest.param("UTF-8", lambda b: b, id="android-utf8-is-identity"),
        pytest.param("gzip", gzip.compress, id="gzip"),
        pytest.param("x-gzip", gzip.compress, id="x-gzip"),
        pytest.param(" GZIP ", gzip.compress, id="gzip-case-and-space"),
        pytest.param(
            "gzip", lambda b: gzip.compress(b[:500]) + gzip.compress(b[500:]), id="gzip-2-members"
        ),
        pytest.param("deflate", zlib.compress, id="deflate-zlib"),
        pytest.param("deflate", _raw_deflate, id="deflate-raw-fallback"),
        pytest.param("br", brotli.compress, id="br"),
    ],
)
@pytest.mark.parametrize("chunk", [1, 7, 65536], ids=["chunk1", "chunk7", "chunk64k"])
def test_decodes(encoding: str, encode: Callable[[bytes], bytes], chunk: int) -> None:
    data = encode(BODY)
    if chunk == 1 and len(data) > 5000:
        data_chunk = 97  # keep the byte-by-byte case fast for identity
    else:
        data_chunk = chunk
    assert _decode_all(encoding, data, data_chunk) == BODY


@pytest.mark.parametrize(
    ("encoding", "data", "error"),
    [
        pytest.param("zstd", b"x", BadRequest, id="zstd-unsupported"),
        pytest.param("compress", b"x", BadRequest, id="unknown-encoding"),
        pytest.param("gzip, br", b"x", BadRequest, id="stacked-encodings"),
        pytest.param("gzip", b"not gzip at all", BadRequest, id="gzip-garbage"),
        pytest.param("gzip", gzip.compress(BODY)[:-20], BadRequest, id="gzip-truncated"),
        pytest.param("gzip", gzip.compress(BODY) + b"junk", BadRequest, id="gzip-trailing-junk"),
        pytest.param("deflate", zlib.compress(BODY)[:-10], BadRequest, id="deflate-truncated"),
        pytest.param("deflate", b"x", BadRequest, id="deflate-shorter-than-header"),
        pytest.param("br", b"\xff\xff\xff\xff not brotli", BadRequest, id="br-garbage"),
        pytest.param("br", brotli.compress(BODY)[:-5], BadRequest, id="br-truncated"),
        pytest.param("br", brotli.compress(BODY) + b"x", BadRequest, id="br-trailing"),
        pytest.param("", b"x" * 2000, PayloadTooLarge, id="identity-over-cap"),
        pytest.param("gzip", gzip.compress(b"x" * 2000), PayloadTooLarge, id="gzip-over-cap"),
        pytest.param("br", brotli.compress(b"x" * 2000), PayloadTooLarge, id="br-over-cap"),
    ],
)
def test_refuses(encoding: str, data: bytes, error: type[DomainError]) -> None:
    with pytest.raises(error) as info:
        _decode_all(encoding, data, chunk=256, cap=1500 if error is PayloadTooLarge else MIB)
    assert status_of(info.value) == (413 if error is PayloadTooLarge else 400)


def test_empty_compressed_body_is_empty() -> None:
    assert Decoder("gzip").finish() == b""
    assert Decoder("br").finish() == b""


def test_normalize_encoding_reason_is_short() -> None:
    with pytest.raises(BadRequest) as info:
        normalize_encoding("x" * 500 + "\n")
    assert len(info.value.message) < 80
    assert "\n" not in info.value.message


# --- bombs -----------------------------------------------------------------------------------


def _bomb(kind: str, total: int = 10 * GIB) -> Iterator[bytes]:
    """Compressed chunks of `total` zero bytes, produced lazily: nothing big is allocated."""
    zeros = bytes(MIB)
    if kind == "br":
        compressor = brotli.Compressor(quality=1)
        for _ in range(total // MIB):
            out = compressor.process(zeros)
            if out:
                yield out
        yield compressor.finish()
    else:
        obj = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS if kind == "gzip" else 15)
        for _ in range(total // MIB):
            out = obj.compress(zeros)
            if out:
                yield out
        yield obj.flush()


@pytest.mark.parametrize("kind", ["gzip", "deflate", "br"])
def test_bomb_refused_quickly_with_bounded_memory(kind: str) -> None:
    decoder = Decoder(kind, max_output=100 * MIB)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(PayloadTooLarge):
            for chunk in _bomb(kind):
                decoder.feed(chunk)  # output dropped: only the decoder's own memory counts
            decoder.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert decoder.total_output > 100 * MIB
    # Compressor and decoder steps only; the 10 GiB never exist, not even 100 MiB at once.
    assert peak < 16 * MIB


async def _stream(chunks: Iterator[bytes]) -> aiohttp.StreamReader:
    reader = aiohttp.StreamReader(mock.Mock(), 2**16)
    for chunk in chunks:
        reader.feed_data(chunk)
    reader.feed_eof()
    return reader


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        pytest.param("br", brotli.compress(BODY), id="br"),
        pytest.param("gzip", gzip.compress(BODY), id="gzip"),
        pytest.param("", BODY, id="identity"),
    ],
)
async def test_read_body(encoding: str, data: bytes) -> None:
    reader = await _stream(iter([data[:100], data[100:]]))
    body = await read_body(reader, encoding, max_compressed=20 * MIB, max_decompressed=MIB)
    assert body == BODY


async def test_read_body_compressed_cap() -> None:
    reader = await _stream(iter([b"x" * 70_000, b"x" * 70_000]))
    with pytest.raises(PayloadTooLarge, match="request body"):
        await read_body(reader, "", max_compressed=100_000, max_decompressed=10 * MIB)


async def test_read_body_bomb_hits_decompressed_cap() -> None:
    # 1 GiB of zeros is about 1 MiB of gzip: under the wire cap, over the decoded cap.
    reader = await _stream(_bomb("gzip", GIB))
    started = time.monotonic()
    with pytest.raises(PayloadTooLarge, match="decompressed"):
        await read_body(reader, "gzip", max_compressed=20 * MIB, max_decompressed=100 * MIB)
    assert time.monotonic() - started < 5


async def test_read_body_refuses_unknown_encoding_before_reading() -> None:
    reader = await _stream(iter([b"data"]))
    with pytest.raises(BadRequest):
        await read_body(reader, "zstd", max_compressed=MIB, max_decompressed=MIB)
    assert await reader.read() == b"data"


async def test_read_body_runs_decoder_off_loop() -> None:
    big = gzip.compress(bytes(8 * MIB))
    reader = await _stream(iter([big]))
    loop = asyncio.get_running_loop()
    with mock.patch.object(loop, "run_in_executor", wraps=loop.run_in_executor) as spy:
        body = await read_body(reader, "gzip", max_compressed=MIB, max_decompressed=16 * MIB)
    assert len(body) == 8 * MIB
    assert spy.called


# --- legacy /store/ bodies -------------------------------------------------------------------

EVENT = b'{"message":"legacy"}'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(EVENT, EVENT, id="json"),
        pytest.param(b"  \n" + EVENT, b"  \n" + EVENT, id="json-leading-space"),
        pytest.param(base64.b64encode(zlib.compress(EVENT)), EVENT, id="base64-zlib"),
        pytest.param(base64.encodebytes(zlib.compress(EVENT)), EVENT, id="base64-with-newlines"),
        pytest.param(zlib.compress(EVENT), EVENT, id="bare-zlib"),
    ],
)
def test_legacy_store_body(body: bytes, expected: bytes) -> None:
    assert decode_legacy_store_body(body) == expected


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(b"", BadRequest, id="empty"),
        pytest.param(b"%%%not base64%%%", BadRequest, id="not-base64"),
        pytest.param(base64.b64encode(b"not zlib"), BadRequest, id="base64-not-zlib"),
        pytest.param(base64.b64encode(zlib.compress(bytes(2 * MIB))), PayloadTooLarge, id="bomb"),
        pytest.param(b"{" + b" " * (2 * MIB), PayloadTooLarge, id="json-too-big"),
    ],
)
def test_legacy_store_body_refused(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_legacy_store_body(body)
