"""The incident page says where a fix resolved from the editor is (docs/releases.md): "awaiting
deploy" until a registered deploy contains it, then "deployed in", in a real browser."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from support import Api

DEPLOYED = "1" * 40
FIX = "2" * 40


async def test_fix_awaiting_then_deployed(
    client: TestClient[Any, Any], api: Api, chromium: Browser
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    event = {"error_type": "KeyError", "message": "'id'", "commit_sha": DEPLOYED,
             "stack_trace": None}  # fmt: skip
    resp = await client.post(
        "/api/v1/events", json=event,
        headers={"X-Railguard-Key": project["ingest_key"]["public_key"]},
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    resp = await client.get(f"/api/v1/projects/{project['id']}/incidents", headers=owner.headers)
    (incident,) = (await resp.json())["items"]
    resp = await client.post(
        f"/api/v1/incidents/{incident['id']}/resolve", json={"commit": FIX}, headers=owner.headers
    )
    assert resp.status == 200, await resp.text()

    base = str(client.make_url("")).rstrip("/")
    context = await chromium.new_context(base_url=base)
    page = await context.new_page()
    await page.goto(f"/incidents/{incident['id']}")
    await page.get_by_label("Email").fill(owner.email)
    await page.get_by_label("Password").fill("correct horse")
    await page.get_by_role("button", name="Sign in").click()
    fix = page.locator(".fix-state")
    await expect(fix).to_have_text(f"Fixed in {FIX[:12]}, awaiting deploy")

    resp = await client.post(
        f"/api/v1/projects/{project['id']}/releases",
        json={"commit": FIX, "previous": DEPLOYED}, headers=owner.headers,
    )  # fmt: skip
    assert resp.status == 201, await resp.text()
    await page.reload()
    await expect(fix).to_have_text(f"Fixed in {FIX[:12]}, deployed in {FIX[:12]}")
    await context.close()
