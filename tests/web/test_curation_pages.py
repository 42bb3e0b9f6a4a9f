"""The curation pages in a real headless Chromium, at desktop and phone width: similar
incidents with their merge shortcut, the merged banner and unmerge, users in the list, delete
and the trash. Every page is screenshotted and checked (axe, CSP, no sideways scroll, targets)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

import sdkapp
from pagecheck import DESKTOP, PHONE, PageProblems, check_page
from support import Api
from webkit import incidents_of


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_merge_unmerge_delete_and_restore_in_the_browser(
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
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    await sdkapp.report(tmp_path, project["ingest_key"]["dsn"], "invoice:ann", "invoice:bob",
                        "lines:cy", "average:dee")  # fmt: skip
    found = {i["top_frame"]["function"]: i for i in await incidents_of(client, owner.headers,
                                                                         pid, 3)}  # fmt: skip
    target, source = found["load_invoice"]["id"], found["load_invoice_lines"]["id"]

    base = str(client.make_url("")).rstrip("/")
    context = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    page: Page = await context.new_page()
    problems = PageProblems(page)

    async def check(name: str) -> None:
        await check_page(page, problems, axe_source, screenshots, f"{tag}-curation-{name}",
                         phone=phone)  # fmt: skip

    await page.goto("/login")
    await page.get_by_label("Email").fill(owner.email)
    await page.get_by_label("Password").fill("correct horse")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Projects")).to_be_visible()

    # The list sorted by users: the invoice error reached two.
    await page.goto(f"/projects/{pid}?sort=users")
    first = page.locator("li.incident").first
    await expect(first.locator("a.title")).to_contain_text("invoice 4071")
    await expect(first.locator(".users")).to_have_text("2 users")
    await check("list-by-users")

    # Similar incidents: the other invoice error first, with a merge shortcut.
    await page.goto(f"/incidents/{target}")
    similar = page.locator(".similar .card").first
    await expect(similar).to_contain_text("lines")
    await check("similar")
    await similar.get_by_role("button", name=f"Merge into this: incident {source}").click()
    await expect(page).to_have_url(re.compile(rf"/incidents/{target}$"))
    await expect(page.locator("#merge .card").first).to_contain_text(f"#{source}")
    await expect(page.locator(".history")).to_contain_text(f"merged in incident {source}")
    await check("merged-target")

    await page.goto(f"/incidents/{source}")
    await expect(page.locator(".notice")).to_contain_text(f"merged into incident {target}")
    await check("merged-source")
    await page.locator(".notice").get_by_role("button", name="Unmerge").click()
    await expect(page.locator(".notice")).to_have_count(0)
    await expect(page.locator(".history")).to_contain_text(f"unmerged this from incident {target}")

    # Delete: to the trash, gone from the list; restore brings it back.
    await page.get_by_role("button", name="Delete", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/trash$"))
    await expect(page.locator(".trash .card")).to_contain_text("lines")
    await check("trash")
    await page.goto(f"/projects/{pid}")
    await expect(page.locator("a.title", has_text="lines")).to_have_count(0)
    await page.goto("/trash")
    await page.get_by_role("button", name=re.compile("Restore incident")).click()
    await expect(page).to_have_url(re.compile(rf"/incidents/{source}$"))

    # A project: deleted from its settings, restored from the trash.
    await page.goto(f"/projects/{pid}/settings")
    await page.get_by_role("button", name="Delete project").click()
    await expect(page.locator(".trash .card")).to_contain_text("Project")
    await page.get_by_role("button", name=re.compile("Restore project")).click()
    await expect(page).to_have_url(re.compile(rf"/projects/{pid}$"))
    await expect(page.locator("a.title")).to_have_count(3)
    await check("restored-project")
    await context.close()
