"""Uptime monitors and the alert delivery log in a real headless Chromium, on a desk and on a
phone: create a monitor with the form, watch it go down against a real HTTP target, acknowledge
the outage, see it recover in the checks and the chart, rename, pause and resume it; the
delivery log shows its alerts (delivered to a real webhook receiver) and sends a test alert.
Another person's monitors, outages and logs are 404 on every page and form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

from alertkit import WebhookReceiver
from pagecheck import DESKTOP, PHONE, PageProblems, check_page
from support import Api
from uptimekit import HttpTarget
from webkit import Browser as FormBrowser

WAIT_MS = 60_000


async def _reload_until(page: Page, ready: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(120):
        if await ready():
            return
        await page.wait_for_timeout(500)
        await page.reload()
    raise AssertionError(f"the page never showed {what}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_monitor_pages_journey(
    client: TestClient[Any, Any],
    api: Api,
    chromium: Browser,
    axe_source: str,
    screenshots: Path,
    viewport: dict[str, int],
) -> None:
    phone = viewport == PHONE
    tag = "phone" if phone else "desktop"
    target = await HttpTarget(mode="error").start()
    receiver = WebhookReceiver()
    await receiver.__aenter__()
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    hook = {"name": "ops hook", "kind": "webhook", "url": receiver.url()}
    resp = await client.post(
        f"/api/v1/projects/{pid}/alerts/channels", headers=owner.headers, json=hook
    )
    assert resp.status == 201
    base = str(client.make_url("")).rstrip("/")
    context = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    page = await context.new_page()
    problems = PageProblems(page)

    async def check(name: str) -> None:
        await check_page(page, problems, axe_source, screenshots, f"{tag}-{name}", phone=phone)

    try:
        await page.goto(f"/projects/{pid}/monitors")
        await page.get_by_label("Email").fill(owner.email)
        await page.get_by_label("Password").fill("correct horse")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_text("No monitors yet.")).to_be_visible()
        await check("monitors-empty")

        # A bad form keeps what was typed and says what is wrong.
        await page.get_by_label("Name", exact=True).fill("shop <health>")
        await page.get_by_label("URL (http)").fill("ftp://nope")
        await page.get_by_role("button", name="Create monitor").click()
        await expect(page.get_by_role("alert")).to_contain_text("url")
        await expect(page.get_by_label("Name", exact=True)).to_have_value("shop <health>")
        _forget_the_422(problems)

        await page.get_by_label("URL (http)").fill(target.url)
        await page.get_by_label("Interval in seconds").fill("1")
        await page.get_by_label("Timeout in seconds").fill("1")
        await page.get_by_label("Failed checks before down (retries)").fill("0")
        await page.get_by_role("button", name="Create monitor").click()
        await expect(page.get_by_role("heading", name="shop <health>")).to_be_visible()
        monitor_id = int(re.findall(r"/monitors/(\d+)$", page.url)[0])

        badge = page.locator("h1 .badge")
        await _reload_until(page, lambda: _has(badge, "down"), "the monitor down")
        outage = page.locator(".outage").first
        await expect(outage).to_contain_text("ongoing")
        await expect(page.locator(".checks li.failed").first).to_contain_text("500")
        await check("monitor-down")
        await outage.get_by_role("button", name="Acknowledge").click()
        await expect(page.locator(".outage").first).to_contain_text("acknowledged")

        target.mode = "ok"
        await _reload_until(page, lambda: _has(badge, "up"), "the monitor up")
        await _reload_until(page, lambda: _has(page.locator(".outage").first, "resolved after"),
                            "the outage resolved")  # fmt: skip
        await expect(page.locator(".checks li.ok").first).to_contain_text("ms")
        assert await page.locator("svg.latency rect.fail").count() >= 1
        assert await page.locator("svg.latency rect:not(.fail)").count() >= 1
        await check("monitor-recovered")

        # Change it: a timeout over the interval is refused; a rename, a pause, a resume work.
        await page.get_by_label("Timeout in seconds").fill("5")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("alert")).to_contain_text("timeout")
        _forget_the_422(problems)
        await page.get_by_label("Name", exact=True).fill("shop health")
        await page.get_by_label("Timeout in seconds").fill("1")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("heading", name="shop health")).to_be_visible()
        await page.get_by_role("button", name="Pause monitor").click()
        await expect(badge).to_have_text("paused")
        await page.get_by_role("button", name="Resume monitor").click()
        await expect(page.get_by_role("button", name="Pause monitor")).to_be_visible()

        await page.get_by_role("link", name="Monitors").click()
        card = page.locator(".monitor", has_text="shop health")
        await expect(card).to_contain_text("24 h uptime")
        await expect(card.locator("svg.latency")).to_be_visible()
        await check("monitors-list")

        # The delivery log: the outage's alerts reached the webhook; a test alert joins them.
        await page.goto(f"/projects/{pid}/alerts?status=delivered")
        await _reload_until(page, lambda: _count_at_least(page.locator(".delivery"), 2),
                            "the down and recovered alerts delivered")  # fmt: skip
        await expect(page.locator(".delivery", has_text="monitor_down").first).to_contain_text(
            "webhook to ops hook"
        )
        await page.get_by_role("button", name="Send test alert").click()
        await expect(page.get_by_role("status")).to_contain_text("test alert was queued")
        await page.goto(f"/projects/{pid}/alerts?status=delivered")
        await _reload_until(page, lambda: _has(page.locator(".deliveries"), "Test alert"),
                            "the test alert delivered")  # fmt: skip
        await check("alert-deliveries")
        assert {h.body["type"] for h in receiver.delivered()} >= {"alert", "test"}
        assert monitor_id in {m["id"] for h in receiver.delivered() for m in h.body["monitors"]}
    finally:
        await context.close()
        await receiver.__aexit__(None, None, None)
        await target.stop()


def _forget_the_422(problems: PageProblems) -> None:
    """The browser logs the refused form's status as an error: expected, once, and nothing else."""
    assert len(problems.errors) == 1 and "422" in problems.errors[0], problems.errors
    problems.errors.clear()


async def _has(locator: Any, text: str) -> bool:
    return text in (await locator.first.inner_text() if await locator.count() else "")


async def _count_at_least(locator: Any, n: int) -> bool:
    return bool(await locator.count() >= n)


@pytest.fixture
async def bob_browser(client: TestClient[Any, Any]) -> AsyncIterator[FormBrowser]:
    b = FormBrowser(client)
    yield b
    await b.close()


async def test_another_tenants_monitors_and_log_are_404_and_forms_need_csrf(
    client: TestClient[Any, Any], api: Api, bob_browser: FormBrowser, database_url: str
) -> None:
    alice, bob = await api.account(), await api.account()
    project = await api.project(alice)
    pid = project["id"]
    body = {"name": "db", "check": {"kind": "tcp", "host": "127.0.0.1", "port": 9},
            "interval_seconds": 60}  # fmt: skip
    resp = await client.post(f"/api/v1/projects/{pid}/monitors", json=body, headers=alice.headers)
    monitor = await resp.json()
    conn = await asyncpg.connect(database_url)
    try:
        outage_id = await conn.fetchval(
            "INSERT INTO outages (project_id, monitor_id, started_at) VALUES ($1, $2, now()) "
            "RETURNING id", pid, monitor["id"],
        )  # fmt: skip
    finally:
        await conn.close()

    await bob_browser.sign_in(bob.email)
    for path in (f"/projects/{pid}/monitors", f"/monitors/{monitor['id']}",
                 f"/projects/{pid}/alerts"):  # fmt: skip
        status, text, resp = await bob_browser.get(path)
        assert status == 404 and "No such" in text and resp.content_type == "text/html", path
    forms: list[tuple[str, dict[str, str]]] = [
        (f"/projects/{pid}/monitors", {"name": "pwned", "kind": "tcp", "host": "x", "port": "1"}),
        (f"/monitors/{monitor['id']}/edit", {"name": "pwned"}),
        (f"/monitors/{monitor['id']}/enabled", {"enabled": "false"}),
        (f"/outages/{outage_id}/acknowledge", {}),
        (f"/projects/{pid}/alerts/test", {}),
    ]
    for path, data in forms:
        status, _, _ = await bob_browser.post(path, data)
        assert status == 404, path
    after = await (await client.get(f"/api/v1/monitors/{monitor['id']}",
                                    headers=alice.headers)).json()  # fmt: skip
    assert after["name"] == "db" and after["enabled"] is True
    outages = await (await client.get(f"/api/v1/projects/{pid}/outages",
                                      headers=alice.headers)).json()  # fmt: skip
    assert outages[0]["acknowledged_at"] is None
    log = await (await client.get(f"/api/v1/projects/{pid}/alerts/deliveries",
                                  headers=alice.headers)).json()  # fmt: skip
    assert log["items"] == []

    # Alice's own forms refuse a missing CSRF token and change nothing.
    alice_browser = FormBrowser(client)
    try:
        await alice_browser.sign_in(alice.email)
        status, _, _ = await alice_browser.post(
            f"/monitors/{monitor['id']}/edit", {"name": "forged"}, csrf=False
        )
        assert status == 403
        status, _, _ = await alice_browser.post(f"/projects/{pid}/alerts/test", {}, csrf=False)
        assert status == 403
        status, _, resp = await alice_browser.post(
            f"/monitors/{monitor['id']}/edit", {"name": "renamed"}
        )
        assert status == 303 and resp.headers["Location"] == f"/monitors/{monitor['id']}"
    finally:
        await alice_browser.close()
    after = await (await client.get(f"/api/v1/monitors/{monitor['id']}",
                                    headers=alice.headers)).json()  # fmt: skip
    assert after["name"] == "renamed"
