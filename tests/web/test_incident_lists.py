"""Incident lists and search, through the pages (HTML over HTTP) and the search API: tabs,
filters, full-text and partial-word search, sort, cursor pages, bulk actions, escaping."""

from __future__ import annotations

import re
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


def titles(html: str) -> list[str]:
    return re.findall(r'class="title" href="/incidents/\d+">([^<]*)</a>', html)


async def search_api(
    client: TestClient[Any, Any], headers: dict[str, str], **query: str
) -> dict[str, Any]:
    resp = await client.get("/api/v1/search/incidents", params=query, headers=headers)
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_search_filters_and_tabs(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    await report(client, project, error_type="KeyError", message="invoice 4071 missing",
                 path="shop/billing.py", function="load_invoice", environment="production",
                 commit_sha="a" * 40)  # fmt: skip
    await report(client, project, error_type="TimeoutError", message="payment gateway slow",
                 path="shop/payments.py", function="charge_card", environment="staging",
                 level="warning")  # fmt: skip
    await incidents_of(client, owner.headers, project["id"], 2)
    await browser.sign_in(owner.email)
    pid = project["id"]

    async def shown(query: str) -> list[str]:
        status, html, _ = await browser.get(f"/projects/{pid}?{query}")
        assert status == 200, html
        return titles(html)

    assert len(await shown("")) == 2
    assert await shown("q=gateway") == ["TimeoutError: payment gateway slow"]  # a whole word
    assert await shown("q=invoi") == ["KeyError: invoice 4071 missing"]  # part of a word
    assert await shown("q=charge_card") == ["TimeoutError: payment gateway slow"]  # function
    assert await shown("q=billing.py") == ["KeyError: invoice 4071 missing"]  # file
    assert await shown("q=100%25") == []  # LIKE wildcards are literal
    assert await shown("environment=staging") == ["TimeoutError: payment gateway slow"]
    assert await shown("level=warning") == ["TimeoutError: payment gateway slow"]
    assert await shown("commit=aaaaaaa") == ["KeyError: invoice 4071 missing"]
    assert await shown("path=payments") == ["TimeoutError: payment gateway slow"]
    assert await shown("first_seen=2999-01-01") == []
    status, _, _ = await browser.get(f"/projects/{pid}?level=nonsense")
    assert status == 422

    # Bulk: tick one, resolve; it moves to the resolved tab and the counts follow.
    status, html, _ = await browser.get(f"/projects/{pid}?q=gateway")
    (picked,) = re.findall(r'name="incident" value="(\d+)"', html)
    status, _, resp = await browser.post(
        "/incidents/bulk",
        [("action", "resolve"), ("incident", picked), ("return_to", f"/projects/{pid}")],
    )
    assert status == 303 and resp.headers["Location"] == f"/projects/{pid}"
    assert await shown("") == ["KeyError: invoice 4071 missing"]
    assert await shown("status=resolved") == ["TimeoutError: payment gateway slow"]
    _, html, _ = await browser.get(f"/projects/{pid}")
    assert re.search(r'Open <span class="count">1</span>', html)
    assert re.search(r'Resolved <span class="count">1</span>', html)

    # The API gives the same answers.
    body = await search_api(client, owner.headers, q="invoi", project_id=str(pid))
    assert [i["title"] for i in body["items"]] == ["KeyError: invoice 4071 missing"]
    body = await search_api(client, owner.headers, status="resolved")
    assert [i["error_type"] for i in body["items"]] == ["TimeoutError"]
    resp = await client.post("/api/v1/incidents/bulk", headers=owner.headers,
                             json={"action": "reopen", "incident_ids": [int(picked)]})  # fmt: skip
    assert resp.status == 200 and [i["status"] for i in await resp.json()] == ["open"]
    assert len(await shown("")) == 2


async def test_cursor_pages_in_every_sort_and_across_projects(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    first, second = await api.project(owner), await api.project(owner)
    for n in range(3):
        await report(client, first, error_type=f"FirstError{n}")
    for n in range(2):
        await report(client, second, error_type=f"SecondError{n}")
    await report(client, second, error_type="SecondError0")  # two events: most frequent
    await incidents_of(client, owner.headers, first["id"], 3)
    await incidents_of(client, owner.headers, second["id"], 2)
    for sort in ("last_seen", "first_seen", "events"):
        seen: list[int] = []
        cursor = ""
        while True:
            body = await search_api(client, owner.headers, sort=sort, limit="2", cursor=cursor)
            seen += [i["id"] for i in body["items"]]
            if not body["next_cursor"]:
                break
            cursor = body["next_cursor"]
        assert len(seen) == len(set(seen)) == 5, sort
    body = await search_api(client, owner.headers, sort="events", limit="1")
    assert body["items"][0]["error_type"] == "SecondError0"
    resp = await client.get("/api/v1/search/incidents", params={"cursor": "garbage"},
                            headers=owner.headers)  # fmt: skip
    assert resp.status == 400

    await browser.sign_in(owner.email)
    _, html, _ = await browser.get("/incidents")
    assert len(titles(html)) == 5 and first["name"] in html


async def test_everything_people_typed_is_escaped(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    project = await api.project(owner, name="<img src=x onerror=alert(1)>")
    await report(client, project, error_type="XSS", message="<script>alert(1)</script>",
                 function="<b>f</b>")  # fmt: skip
    (incident,) = await incidents_of(client, owner.headers, project["id"], 1)
    await browser.sign_in(owner.email)
    await browser.post(f"/incidents/{incident['id']}/comments", {"body": "<i>hi</i>"})
    for path in (f"/projects/{project['id']}", f"/incidents/{incident['id']}", "/projects",
                 f"/projects/{project['id']}/settings"):  # fmt: skip
        status, html, _ = await browser.get(path)
        assert status == 200, path
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "<b>f</b>" not in html and "<i>hi</i>" not in html, path
    _, html, _ = await browser.get(f"/incidents/{incident['id']}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;i&gt;hi&lt;/i&gt;" in html


async def test_nul_characters_are_refused_not_a_500(
    client: TestClient[Any, Any], api: Api, browser: Browser
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    await report(client, project)
    (incident,) = await incidents_of(client, owner.headers, project["id"], 1)
    path = f"/incidents/{incident['id']}/comments"
    resp = await client.post("/api/v1" + path, json={"body": "a\x00b"}, headers=owner.headers)
    assert resp.status == 422
    await browser.sign_in(owner.email)
    status, _, _ = await browser.post(path, {"body": "a\x00b"})
    assert status == 422
    # A NUL in any query string is a 400 for pages and API alike (the edge refuses it).
    status, _, _ = await browser.get(f"/projects/{project['id']}?q=Key%00Error")
    assert status == 400
    resp = await client.get("/api/v1/search/incidents", params={"q": "\x00"}, headers=owner.headers)
    assert resp.status == 400
