"""The triage journey in a real headless Chromium, on a desk and on a phone: sign in, create a
project, a real `sentry_sdk` app reports an exception, the incident arrives live in the open
list, search finds it, and on its page it is assigned, commented on and resolved; the JSON API
the editors use agrees. Every page visited is checked (pagecheck) and screenshotted."""

from __future__ import annotations

import asyncio
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

from pagecheck import DESKTOP, PHONE, PageProblems, check_page
from support import Api
from workspace import commit_files

APP = {
    "shop/__init__.py": "",
    "shop/billing.py": textwrap.dedent(
        """\
        def load_invoice(invoices, number):
            return invoices[number]


        def charge(number):
            return load_invoice({}, number)
        """
    ),
    "run.py": textwrap.dedent(
        """\
        import sys

        import sentry_sdk

        from shop.billing import charge

        sentry_sdk.init(dsn=sys.argv[1], environment="production")
        try:
            charge(int(sys.argv[2]))
        except KeyError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=10)
        """
    ),
}


async def report_with_sentry_sdk(repo: Path, dsn: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "run.py", dsn, "4071", cwd=repo,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_triage_journey(
    client: TestClient[Any, Any],
    api: Api,
    chromium: Browser,
    axe_source: str,
    screenshots: Path,
    tmp_path: Path,
    viewport: dict[str, int],
) -> None:
    phone = viewport == PHONE
    tag = "phone" if phone else "desktop"
    base = str(client.make_url("")).rstrip("/")
    owner = await api.account()
    context = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    page: Page = await context.new_page()
    problems = PageProblems(page)

    async def check(name: str) -> None:
        await check_page(page, problems, axe_source, screenshots, f"{tag}-{name}", phone=phone)

    # Sign in.
    await page.goto("/projects")
    await expect(page).to_have_url(re.compile(r"/login\?next="))
    await check("login")
    await page.get_by_label("Email").fill(owner.email)
    await page.get_by_label("Password").fill("correct horse")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    await check("projects-empty")

    # Create a project; its settings page shows the DSN and the SDK snippets.
    await page.get_by_role("link", name="New project").click()
    await check("project-new")
    await page.get_by_label("Name").fill("Shop <api>")
    await page.get_by_label("Repository").fill("git@github.com:acme/shop.git")
    await page.get_by_role("button", name="Create project").click()
    await expect(page.get_by_role("heading", name="Shop <api>: settings")).to_be_visible()
    dsn = (await page.locator(".dsn code").first.inner_text()).strip()
    assert (
        dsn.startswith("http://") and dsn in await page.locator("details pre").nth(1).inner_text()
    )
    await check("project-settings")
    project_id = int(re.findall(r"/(\d+)$", dsn)[0])

    # The open list, waiting; a real SDK reports; the incident arrives without a reload.
    await page.goto(f"/projects/{project_id}")
    await expect(page.get_by_text("No open incidents")).to_be_visible()
    repo = tmp_path / "shop"
    commit_files(repo, APP)
    await report_with_sentry_sdk(repo, dsn)
    title = page.locator("a.title", has_text="KeyError")
    await expect(title).to_be_visible(timeout=30_000)
    await expect(page.locator("#live-note")).to_have_text("Updated just now.")
    await check("incidents-live")

    # Search: a partial word of the function finds it, another word does not.
    await page.get_by_label("Search").fill("invoi")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("a.title")).to_have_count(1)
    await page.get_by_label("Search").fill("nothingmatchesthis")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("a.title")).to_have_count(0)
    await page.get_by_label("Search").fill("load_invoice")
    await page.get_by_role("button", name="Search").click()
    await check("incidents-search")

    # Open it: the stack has our frame highlighted with its context line and a GitHub link.
    await page.locator("a.title").first.click()
    await expect(page.locator("h1.incident-title")).to_contain_text("KeyError")
    crash = page.locator(".frame.in-app").first
    await expect(crash).to_contain_text("shop/billing.py:2")
    await expect(crash.locator(".here")).to_contain_text("return invoices[number]")
    link = await crash.locator(".where a").get_attribute("href")
    assert link and link.startswith("https://github.com/acme/shop/blob/") and link.endswith("#L2")
    await check("incident")

    # Assign to oneself, comment, resolve.
    await page.get_by_label("Assignee").select_option(label=owner.email)
    await page.get_by_role("button", name="Assign", exact=True).click()
    await page.get_by_label("Add a comment").fill("Looking at it <b>now</b>")
    await page.get_by_role("button", name="Comment").click()
    await expect(page.locator(".comments .body")).to_have_text("Looking at it <b>now</b>")
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.locator(".badge.status-resolved")).to_be_visible()
    await expect(page.locator(".history")).to_contain_text("resolved")
    await check("incident-resolved")

    # One event's full payload.
    await page.locator(".events a").first.click()
    await expect(page.locator("#event-h")).to_be_visible()
    await check("event")

    # The API the editors use says the same.
    incident_id = int(page.url.split("/incidents/")[1].split("?")[0])
    h = owner.headers
    detail = await (await client.get(f"/api/v1/incidents/{incident_id}", headers=h)).json()
    assert detail["status"] == "resolved" and detail["assignee_id"] == owner.id
    comments = await (
        await client.get(f"/api/v1/incidents/{incident_id}/comments", headers=h)
    ).json()
    assert [c["body"] for c in comments] == ["Looking at it <b>now</b>"]
    kinds = [
        a["kind"]
        for a in await (
            await client.get(f"/api/v1/incidents/{incident_id}/activity", headers=h)
        ).json()
    ]
    assert kinds == ["assigned", "resolved"]
    await context.close()
