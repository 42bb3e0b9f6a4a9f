"""The log search page, the project health page (release health, cron monitors, discarded
items) and the incident's logs of the same trace, in a real headless Chromium on a desk and on a
phone (pagecheck: CSP, axe, no sideways scrolling, touch targets); other tenants get 404s."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest_e2e"))

from e2e import Ctx, envelope, new_project, sentry_event  # noqa: E402

from pagecheck import DESKTOP, PHONE, PageProblems, check_page  # noqa: E402
from support import Api  # noqa: E402
from webkit import Browser as HttpBrowser  # noqa: E402

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _log(body: str, level: str, trace: str | None = TRACE) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "timestamp": 1764670000.0, "level": level, "body": body,
        "attributes": {"sentry.environment": {"value": "production", "type": "string"}},
    }  # fmt: skip
    if trace:
        entry["trace_id"] = trace
    return entry


async def _seed(ctx: Ctx) -> None:
    logs = {"items": [_log("card declined for invoice 42", "warn"),
                      _log("cache warmed", "info", None)]}  # fmt: skip
    session = {"sid": uuid.uuid4().hex, "init": True, "status": "crashed",
               "started": "2026-12-02T09:00:00Z", "attrs": {"release": "shop@7"}}  # fmt: skip
    check_in = {"check_in_id": uuid.uuid4().hex, "monitor_slug": "nightly-report",
                "status": "ok", "monitor_config": {
                    "schedule": {"type": "crontab", "value": "0 3 * * *"}}}  # fmt: skip
    event = sentry_event(contexts={"trace": {"trace_id": TRACE, "span_id": "b" * 16}})
    resp = await ctx.send(
        envelope(("event", event), ("log", logs), ("session", session),
                 ("check_in", check_in), ("statsd", b"x:1|c"))
    )  # fmt: skip
    assert resp.status == 200, await resp.text()


@pytest.fixture
async def http(client: TestClient[Any, Any]) -> AsyncIterator[HttpBrowser]:
    b = HttpBrowser(client)
    yield b
    await b.close()


async def test_other_tenants_get_404_pages(
    client: TestClient[Any, Any], api: Api, http: HttpBrowser
) -> None:
    ctx = await new_project(api)
    stranger = await api.account()
    await http.sign_in(stranger.email)
    for path in ("logs", "health"):
        status, _, _ = await http.get(f"/projects/{ctx.pid}/{path}")
        assert status == 404, path
    status, html, _ = await http.get(f"/projects/{ctx.pid}/logs?level=loud")
    assert status in (404, 422)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_logs_health_and_incident_logs_pages(
    client: TestClient[Any, Any],
    api: Api,
    chromium: Browser,
    axe_source: str,
    screenshots: Path,
    viewport: dict[str, int],
) -> None:
    phone = viewport == PHONE
    tag = "phone" if phone else "desktop"
    ctx = await new_project(api)
    await _seed(ctx)
    base = str(client.make_url("")).rstrip("/")
    context = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    page: Page = await context.new_page()
    problems = PageProblems(page)

    async def check(name: str) -> None:
        await check_page(page, problems, axe_source, screenshots, f"{tag}-{name}", phone=phone)

    await page.goto(f"/projects/{ctx.pid}/logs")
    await page.get_by_label("Email").fill(ctx.owner.email)
    await page.get_by_label("Password").fill("correct horse")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="app: logs")).to_be_visible()
    await expect(page.get_by_text("card declined for invoice 42")).to_be_visible()
    await expect(page.get_by_text("cache warmed")).to_be_visible()
    await check("logs")

    await page.get_by_label("Search").fill("declin")
    await page.get_by_role("button", name="Search").click()
    await expect(page).to_have_url(re.compile(r"q=declin"))
    await expect(page.get_by_text("card declined for invoice 42")).to_be_visible()
    await expect(page.get_by_text("cache warmed")).to_have_count(0)
    await check("logs-search")

    await page.goto(f"/projects/{ctx.pid}/health")
    await expect(page.get_by_text("Crash-free sessions 0.0 %")).to_be_visible()
    await expect(page.get_by_text("nightly-report")).to_be_visible()
    await expect(page.get_by_text("1 statsd items — not supported")).to_be_visible()
    await check("health")

    resp = await ctx.client.get(f"/api/v1/projects/{ctx.pid}/incidents", headers=ctx.headers)
    (incident,) = orjson.loads(await resp.read())["items"]
    await page.goto(f"/incidents/{incident['id']}")
    logs = page.locator("#logs")
    await expect(logs.get_by_text("card declined for invoice 42")).to_be_visible()
    await expect(logs.get_by_text("cache warmed")).to_have_count(0)
    await check("incident-logs")
    await context.close()
