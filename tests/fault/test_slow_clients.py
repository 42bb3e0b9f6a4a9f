"""Slow clients (slowloris-style) do not stop other clients from being served.

Fifty connections hold the server busy the cheap way: half dribble request headers a byte at a
time, half send headers announcing a large body and then stall. Meanwhile ordinary clients must
keep getting health answers and committed events about as fast as without them.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
import uuid
from urllib.parse import urlsplit

import aiohttp
import pytest
from faultkit import LONG, Project, envelope, make_project

from support import ServedBackend

pytestmark = pytest.mark.fault

SLOW_CONNECTIONS = 50
SECONDS = 20.0 if LONG else 4.0
# How much slower a round trip may get beside the slow connections than alone.
SLOWDOWN = 10


async def _dribble_headers(host: str, port: int, stop: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = b"POST /api/1/envelope/ HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 4000
    try:
        for byte in request:
            if stop.is_set():
                return
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)
    except ConnectionError:
        return
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _stall_body(host: str, port: int, project_id: int, stop: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST /api/{project_id}/envelope/ HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-sentry-envelope\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    try:
        writer.write(head + b'{"event_id":')
        await writer.drain()
        await stop.wait()
    except ConnectionError:
        return
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _round_trips(
    http: aiohttp.ClientSession, url: str, project: Project, seconds: float
) -> list[float]:
    """Health check plus one committed event, repeatedly for `seconds`; each round's duration."""
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": f"Sentry sentry_key={project.public_key}, sentry_version=7",
    }
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        began = time.monotonic()
        async with http.get(f"{url}/api/v1/health") as resp:
            assert resp.status == 200
        body = envelope(uuid.uuid4().hex, len(latencies))
        async with http.post(
            f"{url}/api/{project.id}/envelope/", data=body, headers=headers
        ) as resp:
            assert resp.status == 200, await resp.text()
        latencies.append(time.monotonic() - began)
        await asyncio.sleep(0.05)
    return sorted(latencies)


def _p90(latencies: list[float]) -> float:
    return latencies[int(len(latencies) * 0.9)]


async def test_slow_clients_do_not_starve_others(served_backend: ServedBackend) -> None:
    """Round trips beside fifty slow connections stay within a factor of the same round trips
    measured alone, just before, on the same machine (a starved client waits seconds)."""
    url = served_backend.url
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    project = await make_project(url)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        alone = await _round_trips(http, url, project, SECONDS / 2)
        stop = asyncio.Event()
        slow = [
            asyncio.create_task(
                _dribble_headers(host, port, stop)
                if n % 2
                else _stall_body(host, port, project.id, stop)
            )
            for n in range(SLOW_CONNECTIONS)
        ]
        await asyncio.sleep(0.5)
        try:
            beside_slow = await _round_trips(http, url, project, SECONDS)
        finally:
            stop.set()
            await asyncio.gather(*slow, return_exceptions=True)
    assert len(alone) >= 5 and len(beside_slow) >= 10
    assert statistics.median(beside_slow) <= SLOWDOWN * statistics.median(alone), (
        alone,
        beside_slow,
    )
    assert _p90(beside_slow) <= SLOWDOWN * _p90(alone), (alone, beside_slow)
