"""The project settings page's privacy form: owners turn the optional scrubbing rules on and off,
the next event is stored by them, members only read them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from support import Api
from webkit import Browser, incidents_of, report


@pytest.fixture
async def browser(client: TestClient[Any, Any]) -> AsyncIterator[Browser]:
    b = Browser(client)
    yield b
    await b.close()


async def test_owner_turns_email_scrubbing_on_and_the_next_event_obeys(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    await browser.sign_in(owner.email)
    status, html, _ = await browser.get(f"/projects/{pid}/settings")
    assert status == 200 and 'name="scrub_emails"' in html and 'scrub_emails" checked' not in html

    status, _, resp = await browser.post(f"/projects/{pid}/privacy", {"scrub_emails": "on"})
    assert status == 303 and resp.headers["Location"].endswith("/settings#privacy")
    got = await client.get(f"/api/v1/projects/{pid}/privacy", headers=owner.headers)
    assert await got.json() == {"scrub_emails": True, "scrub_ip_addresses": False}
    _, html, _ = await browser.get(f"/projects/{pid}/settings")
    assert 'name="scrub_emails" checked' in html

    await report(client, project, error_type="LookupError", message="no account ada@example.com")
    (incident,) = await incidents_of(client, owner.headers, pid, 1)
    assert incident["message"] == "no account [email]"

    # An unchecked box is a "no": the form turns it off again.
    status, _, _ = await browser.post(f"/projects/{pid}/privacy", {})
    assert status == 303
    got = await client.get(f"/api/v1/projects/{pid}/privacy", headers=owner.headers)
    assert (await got.json())["scrub_emails"] is False


async def test_a_member_reads_the_privacy_settings_but_cannot_change_them(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner, member = await api.account(), await api.account()
    project = await api.project(owner)
    pid = project["id"]
    await api.join(owner, member, project_id=pid)
    await browser.sign_in(member.email)
    status, html, _ = await browser.get(f"/projects/{pid}/settings")
    assert status == 200 and "Email addresses: kept" in html and 'name="scrub_emails"' not in html
    status, _, _ = await browser.post(f"/projects/{pid}/privacy", {"scrub_emails": "on"})
    assert status == 403
    got = await client.get(f"/api/v1/projects/{pid}/privacy", headers=owner.headers)
    assert (await got.json())["scrub_emails"] is False
