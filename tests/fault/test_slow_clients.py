"""Slow clients (slowloris-style) do not stop other clients from being served.

Fifty connections hold the server busy the cheap way: half dribble request headers a byte at a
time, half send headers announcing a large body and then stall. Meanwhile ordinary clients must
keep getting health answers and committed events quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from faultkit import LONG, envelope, make_project

pytestmark = pytest.mark.fault

SLOW_CONNECTIONS = 50
SECONDS = 20.0 if LONG else 4.0


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


async def test_slow_clients_do_not_starve_others(served_backend: Any) -> None:
    url = served_backend.url
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    project = await make_project(url)
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
    latencies: list[float] = []
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": f"Sentry sentry_key={project.public_key}, sentry_version=7",
    }
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            deadline = time.monotonic() + SECONDS
            n = 0
            while time.monotonic() < deadline:
                n += 1
                began = time.monotonic()
                async with http.get(f"{url}/api/v1/health") as resp:
                    assert resp.status == 200
                event_id = uuid.uuid4().hex
                async with http.post(
                    f"{url}/api/{project.id}/envelope/", data=envelope(event_id, n), headers=headers
                ) as resp:
                    assert resp.status == 200, await resp.text()
                latencies.append(time.monotonic() - began)
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*slow, return_exceptions=True)
    assert len(latencies) >= 10
    latencies.sort()
    assert latencies[-1] < 1.0, f"slowest health+ingest round trip {latencies[-1]:.3f} s"
