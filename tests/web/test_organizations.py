"""Organisation pages in a real headless Chromium, on a desk and on a phone: an owner invites
someone (no SMTP: the link is shown), the invitee opens the link, signs in and accepts, the
owner makes them a viewer, revokes a second invitation and reads the audit log. Forms carry CSRF
tokens; every page is checked (pagecheck: axe, no overflow at 390 px) and screenshotted. Another
tenant's organisation is a 404 page, and a viewer cannot change anything from the pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect

from pagecheck import DESKTOP, PHONE, PageProblems, check_page
from support import Api
from webkit import Browser as Person
from webkit import incidents_of, report


async def _sign_in(page: Page, email: str) -> None:
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("correct horse")
    await page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_invite_accept_change_role_revoke_and_audit(
    client: TestClient[Any, Any], api: Api, chromium: Browser, axe_source: str,
    screenshots: Path, viewport: dict[str, int],
) -> None:  # fmt: skip
    phone = viewport == PHONE
    tag = "phone" if phone else "desktop"
    base = str(client.make_url("")).rstrip("/")
    owner, invitee = await api.account(), await api.account()
    project = await api.project(owner)
    org_id = project["organization_id"]

    context = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    page = await context.new_page()
    problems = PageProblems(page)

    async def check(name: str) -> None:
        await check_page(page, problems, axe_source, screenshots, f"{tag}-org-{name}", phone=phone)

    await page.goto(f"/organizations/{org_id}")
    await _sign_in(page, owner.email)
    await expect(page.get_by_role("heading", name="Invitations")).to_be_visible()
    await check("page")
    await page.get_by_label("Email", exact=True).fill(invitee.email)
    await page.get_by_label("Role", exact=True).select_option("member")
    await page.get_by_role("button", name="Send invitation").click()
    await expect(page.get_by_text("No email could be sent")).to_be_visible()
    link = (await page.locator(".invite-link").inner_text()).strip()
    assert link.startswith(f"{base}/invitations/rgi_")
    await check("invited")

    # The invitee: the link, sign in, accept.
    other = await chromium.new_context(viewport=viewport, base_url=base)  # type: ignore[arg-type]
    theirs = await other.new_page()
    await theirs.goto(link)
    await _sign_in(theirs, invitee.email)
    await expect(theirs.get_by_role("button", name="Accept and join")).to_be_visible()
    await check_page(theirs, PageProblems(theirs), axe_source, screenshots,
                     f"{tag}-org-invitation", phone=phone)  # fmt: skip
    await theirs.get_by_role("button", name="Accept and join").click()
    await expect(theirs.get_by_text("Your role: member")).to_be_visible()
    resp = await client.get(f"/api/v1/projects/{project['id']}", headers=invitee.headers)
    assert resp.status == 200, "the invitee now sees the organisation's project"
    await theirs.goto(link)
    await expect(theirs.get_by_text("not valid any more")).to_be_visible()

    # The owner makes them a viewer; a second invitation is revoked.
    await page.goto(f"/organizations/{org_id}")
    await page.get_by_label(f"Role of {invitee.email}").select_option("viewer")
    await page.locator(f"form[action$='/members/{invitee.id}/role'] button").click()
    await expect(page.get_by_text(f"{invitee.email} · viewer")).to_be_visible()
    await page.get_by_label("Email", exact=True).fill("later@example.com")
    await page.get_by_role("button", name="Send invitation").click()
    await page.get_by_role("button", name="Revoke invitation for later@example.com").click()
    await expect(page.get_by_text(re.compile(r"viewer · revoked|revoked just now"))).to_be_visible()
    await check("after-changes")

    await page.get_by_label("Monthly event quota (empty: unlimited)").fill("1,000")
    await page.get_by_role("button", name="Set quota").click()
    await expect(page.get_by_text("of 1,000 allowed")).to_be_visible()
    await check("usage")

    await page.get_by_role("link", name="Audit log").click()
    actions = ("invitation.create", "invitation.accept", "member.role", "invitation.revoke",
               "quota.set")  # fmt: skip
    for action in actions:
        await expect(page.get_by_text(action, exact=True).first).to_be_visible()
    await check("audit")

    # The viewer's pages offer no changes, and a forged form is refused.
    await theirs.goto(f"/organizations/{org_id}")
    await expect(theirs.get_by_text("Your role: viewer")).to_be_visible()
    assert await theirs.get_by_role("button", name="Send invitation").count() == 0
    assert await theirs.get_by_role("button", name="Set quota").count() == 0
    await expect(theirs.get_by_text("of 1,000 allowed")).to_be_visible()
    await theirs.goto(f"/organizations/{org_id}/audit")
    await expect(theirs.get_by_text("admin role")).to_be_visible()
    assert not problems.errors, problems.errors
    await context.close()
    await other.close()


async def test_pages_refuse_other_tenants_viewers_and_forms_without_csrf(
    client: TestClient[Any, Any], api: Api
) -> None:
    owner, viewer, stranger = await api.account(), await api.account(), await api.account()
    org_id = (await api.project(owner))["organization_id"]
    await api.join(owner, viewer, organization_id=org_id, role="viewer")
    strangers, viewers, owners = Person(client), Person(client), Person(client)
    try:
        await strangers.sign_in(stranger.email)
        for path in (f"/organizations/{org_id}", f"/organizations/{org_id}/audit"):
            assert (await strangers.get(path))[0] == 404
        form = {"email": "x@example.com", "role": "member"}
        status, _, _ = await strangers.post(f"/organizations/{org_id}/invitations", form)
        assert status == 404

        await viewers.sign_in(viewer.email)
        assert (await viewers.get(f"/organizations/{org_id}"))[0] == 200
        status, _, _ = await viewers.post(f"/organizations/{org_id}/invitations",
                                          {"email": "x@example.com", "role": "owner"})  # fmt: skip
        assert status == 403
        status, _, _ = await viewers.post(f"/organizations/{org_id}/members/{owner.id}/remove", {})
        assert status == 403
        status, _, _ = await viewers.post(f"/organizations/{org_id}/quota", {"event_quota": "1"})
        assert status == 403

        await owners.sign_in(owner.email)
        status, _, _ = await owners.post(f"/organizations/{org_id}/invitations",
                                         {"email": "x@example.com"}, csrf=False)  # fmt: skip
        assert status == 403, "no CSRF token"
    finally:
        for person in (strangers, viewers, owners):
            await person.close()
    resp = await client.get(f"/api/v1/organizations/{org_id}/invitations", headers=owner.headers)
    assert [i["email"] for i in await resp.json()] == [viewer.email], "nobody else was invited"
    resp = await client.get(f"/api/v1/organizations/{org_id}/members", headers=owner.headers)
    assert len(await resp.json()) == 2, "nobody was removed"


async def test_a_project_is_created_in_a_team_organisation_from_the_page(
    client: TestClient[Any, Any], api: Api
) -> None:
    admin, stranger = await api.account(), await api.account()
    resp = await client.post("/api/v1/organizations", json={"name": "Team"}, headers=admin.headers)
    team = (await resp.json())["id"]
    person, other = Person(client), Person(client)
    try:
        await person.sign_in(admin.email)
        status, html, _ = await person.get("/projects/new")
        assert status == 200 and f'<option value="{team}">Team</option>' in html
        form = {"name": "api", "repository": "github.com/acme/api", "organization_id": str(team)}
        status, _, resp = await person.post("/projects/new", form)
        assert status == 303, resp
        await other.sign_in(stranger.email)
        await other.get("/projects/new")
        status, _, _ = await other.post("/projects/new", form)
        assert status == 404, "another tenant's organisation is not a place to create projects"
    finally:
        await person.close()
        await other.close()
    resp = await client.get("/api/v1/projects", headers=admin.headers)
    assert [(p["name"], p["organization_id"]) for p in await resp.json()] == [("api", team)]


async def test_a_viewer_reads_an_incident_page_without_triage_forms(
    client: TestClient[Any, Any], api: Api
) -> None:
    owner, viewer = await api.account(), await api.account()
    project = await api.project(owner)
    await api.join(owner, viewer, organization_id=project["organization_id"], role="viewer")
    await report(client, project)
    (incident,) = await incidents_of(client, owner.headers, project["id"], 1)
    person = Person(client)
    try:
        await person.sign_in(viewer.email)
        status, html, _ = await person.get(f"/incidents/{incident['id']}")
        assert status == 200 and "KeyError" in html
        assert 'action="/incidents/' not in html, "no triage or comment form"
        for path, form in (("status", {"action": "resolve"}), ("comments", {"body": "x"})):
            status, body, _ = await person.post(f"/incidents/{incident['id']}/{path}", form)
            assert status == 403 and "member role" in body, path
    finally:
        await person.close()
    resp = await client.get(f"/api/v1/incidents/{incident['id']}", headers=owner.headers)
    assert (await resp.json())["status"] == "open", "nothing changed"
