"""The incident page that editor links open."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient


async def test_incident_links_open_a_page_that_reads_the_api(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/incidents/42")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    script = await (await client.get("/static/incident.js")).text()
    assert "api/v1/" in script and "Authorization" in script, "the page reads the API with a token"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    resp = await client.get("/incidents/not-a-number")
    assert resp.status == 404


async def test_pages_are_not_in_the_api_document(client: TestClient[Any, Any]) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    assert all(path.startswith("/api/v1/") for path in doc["paths"])
