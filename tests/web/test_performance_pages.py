"""The performance pages in a real Chromium, desktop and 390 px phone: routes table, a route
(p95 chart, span groups, snapshots) and a trace's waterfall with its scrubbed request; CSP
clean, axe clean, no sideways scroll. Another person's project is a 404 on each."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

from pagecheck import DESKTOP, PHONE, PageProblems, check_page
from support import Api
from webkit import Browser as WebClient

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


async def _export(client: TestClient[Any, Any], key: str) -> None:
    now = time.time_ns()
    spans = [
        {"traceId": TRACE, "spanId": "00f067aa0ba902b7", "name": "GET /checkout/{cart}",
         "kind": 2, "startTimeUnixNano": str(now), "endTimeUnixNano": str(now + 1_500_000_000),
         "status": {"code": 2},
         "attributes": [
             {"key": "http.request.method", "value": {"stringValue": "GET"}},
             {"key": "http.request.header.cookie", "value": {"stringValue": "sid=secret"}},
             {"key": "http.request.header.accept", "value": {"stringValue": "text/html"}}]},
        {"traceId": TRACE, "spanId": "00f067aa0ba902b8", "parentSpanId": "00f067aa0ba902b7",
         "name": "SELECT", "kind": 3, "startTimeUnixNano": str(now + 100_000_000),
         "endTimeUnixNano": str(now + 1_300_000_000),
         "attributes": [{"key": "db.system", "value": {"stringValue": "postgresql"}},
                        {"key": "db.statement",
                         "value": {"stringValue": "SELECT * FROM carts WHERE id = 7"}}]},
    ]  # fmt: skip
    body = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": spans}]}]}
    resp = await client.post(
        "/v1/traces", data=orjson.dumps(body),
        headers={"X-Railguard-Key": key, "Content-Type": "application/json"},
    )  # fmt: skip
    assert resp.status == 200, await resp.text()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_routes_route_and_waterfall_pages(
    client: TestClient[Any, Any], api: Api, chromium: Browser, axe_source: str,
    screenshots: Path, viewport: dict[str, int],
) -> None:  # fmt: skip
    phone = viewport == PHONE
    owner = await api.account()
    project = await api.project(owner)
    await _export(client, project["ingest_key"]["public_key"])
    base = str(client.make_url("")).rstrip("/")
    context = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    page: Page = await context.new_page()
    problems = PageProblems(page)
    tag = "phone" if phone else "desktop"

    await page.goto("/login")
    await page.get_by_label("Email").fill(owner.email)
    await page.get_by_label("Password").fill("correct horse")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Projects")).to_be_visible()

    await page.goto(f"/projects/{project['id']}/routes")
    await expect(page.get_by_role("heading", name="Routes")).to_be_visible()
    await check_page(page, problems, axe_source, screenshots, f"{tag}-routes", phone=phone)
    await page.get_by_role("link", name="GET /checkout/{cart}").click()
    await expect(page.get_by_role("heading", name="GET /checkout/{cart}")).to_be_visible()
    await expect(page.get_by_text("SELECT * FROM carts WHERE id = ?")).to_be_visible()
    await check_page(page, problems, axe_source, screenshots, f"{tag}-route", phone=phone)
    await page.get_by_role("link", name="UTC").first.click()
    await expect(page.get_by_role("heading", name=f"Trace {TRACE}")).to_be_visible()
    await expect(page.get_by_text("sid=secret")).to_have_count(0)
    await expect(page.get_by_text("[Filtered]")).to_be_visible()
    await check_page(page, problems, axe_source, screenshots, f"{tag}-trace", phone=phone)
    await context.close()


async def test_another_persons_performance_pages_are_404(
    client: TestClient[Any, Any], api: Api
) -> None:
    alice, bob = await api.account(), await api.account()
    project = await api.project(alice)
    await _export(client, project["ingest_key"]["public_key"])
    browser = WebClient(client)
    try:
        await browser.sign_in(bob.email)
        pid = project["id"]
        for path in (f"/projects/{pid}/routes", f"/projects/{pid}/routes/detail?route=x",
                     f"/projects/{pid}/traces/{TRACE}"):  # fmt: skip
            status, body, _ = await browser.get(path)
            assert status == 404 and "No such" in body, path
    finally:
        await browser.close()
