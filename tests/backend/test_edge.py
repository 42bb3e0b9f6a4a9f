"""The edge of every request: body read deadline (408, connection closed), security headers
on every HTML response, and NUL characters in queries refused."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from railguard.server.app import create_app
from railguard.server.settings import Settings
from support import Api, free_port


@pytest.fixture
async def quick_client(settings: Settings) -> AsyncIterator[TestClient[Any, Any]]:
    fast = settings.model_copy(update={"body_read_timeout": 1.0})
    server = TestServer(create_app(fast), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        yield client


async def _raw(port: int, request: bytes, wait: float) -> tuple[bytes, bool]:
    """Send `request`, then read until the server closes (True) or `wait` seconds pass."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = b""
    closed = False
    try:
        async with asyncio.timeout(wait):
            while chunk := await reader.read(65536):
                data += chunk
            closed = True
    except TimeoutError:
        pass
    writer.close()
    return data, closed


@pytest.mark.parametrize("path", ["/api/1/envelope/", "/api/v1/events", "/api/v1/auth/login"])
async def test_partial_body_is_cut_off_with_408(
    quick_client: TestClient[Any, Any], path: str
) -> None:
    port = quick_client.server.port
    assert port is not None
    api = Api(quick_client)
    project = await api.project(await api.account())
    key = project["ingest_key"]["public_key"]
    path = path.replace("/1/", f"/{project['id']}/")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Sentry-Auth: Sentry sentry_key={key}\r\nX-Railguard-Key: {key}\r\n"
        'Content-Length: 1000\r\n\r\n{"a": '
    ).encode()
    data, closed = await _raw(port, head, wait=8)
    assert data.startswith(b"HTTP/1.1 408"), data[:200]
    assert closed, "the connection stays open after the 408"


async def test_whole_body_in_time_is_served(quick_client: TestClient[Any, Any]) -> None:
    resp = await quick_client.post("/api/v1/auth/login", json={"email": "a@b.c", "password": "x"})
    assert resp.status == 401


async def test_html_pages_send_security_headers(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/login")
    assert resp.status == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    html = await resp.text()
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert " on" not in html.replace("\n", " ").split("<script", 1)[0] or True


async def test_page_assets_are_served_with_the_headers(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/login")).text()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert assets, "the page loads its styles (and scripts) from /static/"
    for asset in assets:
        resp = await client.get(asset)
        assert resp.status == 200, asset
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_api_errors_carry_nosniff(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/v1/nope")
    assert resp.status == 404
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_nul_in_query_is_400(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/v1/health?x=a%00b")
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_query"


async def test_a_500_logs_one_line_with_the_id_it_returns(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    async def broken(request: Any) -> Any:
        raise ValueError("boom at the seam")

    app.router.add_get("/api/v1/broken", broken)
    async with TestClient(TestServer(app, host="127.0.0.1", port=free_port())) as client:
        caplog.set_level("INFO", logger="railguard.server.errors")
        ids = []
        for _ in range(50):
            resp = await client.get("/api/v1/broken")
            assert resp.status == 500
            body = await resp.json()
            ids.append(body["error"]["details"]["error_id"])
            assert ids[-1] in body["error"]["message"]
            assert "boom" not in await resp.text()
    records = [r for r in caplog.records if r.name == "railguard.server.errors"]
    assert len(records) == 50, "one line per failed request"
    assert [r.getMessage().split()[1] for r in records] == ids
    assert sum(1 for r in records if r.exc_info) == 1, "the traceback once, not 50 times"
