"""The incidents API for editors over real HTTP: filters, cursors, repository lookup, detail,
actions and membership."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from e2e import Ctx, new_project

from support import Api


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api, repository="github.com/acme/shop")


async def _incident(ctx: Ctx, name: str, path: str, **extra: object) -> int:
    frames = [{"filename": path, "function": name, "lineno": 3, "in_app": True}]
    resp = await ctx.native({"error_type": name, "message": "boom", "frames": frames, **extra})
    assert resp.status == 201, await resp.text()
    items = await ctx.incidents()
    return next(int(i["id"]) for i in items if i["error_type"] == name)


async def test_filters(ctx: Ctx) -> None:
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    a = await _incident(ctx, "AError", "shop/billing.py", environment="staging")
    b = await _incident(ctx, "BError", "web/shop/billing.py")
    c = await _incident(ctx, "CError", "shop/orders.py", occurred_at=old)
    await ctx.act(b, "resolve")

    async def ids(**query: str) -> set[int]:
        return {int(i["id"]) for i in await ctx.incidents(**query)}

    assert await ids() == {a, b, c}
    assert await ids(status="open") == {a, c}
    assert await ids(status="resolved,ignored") == {b}
    assert await ids(path="shop/billing.py") == {a, b}  # exact, and as a path suffix
    assert await ids(path="web/shop/billing.py") == {b}
    assert await ids(path="billing.py") == {a, b}
    assert await ids(path="illing.py") == set()  # suffixes are whole path segments
    assert await ids(path="shop/%.py") == set()  # LIKE wildcards are literal
    assert await ids(environment="staging") == {a}
    assert await ids(environment="production") == {b, c}
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert await ids(since=since) == {a, b}
    assert await ids(since=since.replace("+00:00", "Z"), status="open") == {a}


async def test_cursor_pagination_has_no_gaps_and_no_duplicates(ctx: Ctx) -> None:
    base = datetime.now(UTC) - timedelta(hours=1)
    for i in range(25):
        # Some incidents share a last_seen, so the cursor's tie-break on id matters.
        at = (base + timedelta(seconds=i // 3)).isoformat()
        resp = await ctx.native({"error_type": f"E{i}", "message": "m", "occurred_at": at})
        assert resp.status == 201
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"limit": "10", **({"cursor": cursor} if cursor else {})}
        resp = await ctx.client.get(
            f"/api/v1/projects/{ctx.pid}/incidents", params=query, headers=ctx.headers
        )
        assert resp.status == 200
        page = await resp.json()
        seen += [i["id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == 25 and len(set(seen)) == 25
    everything = [i["id"] for i in await ctx.incidents(limit="100")]
    assert seen == everything  # newest activity first, same order page by page


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("!!!", id="not-base64"),
        pytest.param(_cursor({"a": 1}), id="wrong-shape"),
        pytest.param(_cursor(["not a time", 1]), id="bad-time"),
        pytest.param(_cursor(["2026-01-01T00:00:00+00:00", "x"]), id="bad-id"),
        pytest.param(_cursor(["2026-01-01T00:00:00+00:00", 2**63]), id="id-beyond-bigint"),
        pytest.param(_cursor(["2026-01-01T00:00:00", 1]), id="naive-time"),
    ],
)
async def test_bad_cursor_is_400(ctx: Ctx, cursor: str) -> None:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/incidents", params={"cursor": cursor}, headers=ctx.headers
    )
    assert resp.status == 400, await resp.text()
    assert (await resp.json())["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"limit": "0"}, id="limit-zero"),
        pytest.param({"limit": "501"}, id="limit-big"),
        pytest.param({"limit": "ten"}, id="limit-text"),
        pytest.param({"status": "closed"}, id="status"),
        pytest.param({"since": "yesterday"}, id="since-text"),
        pytest.param({"since": "2026-01-01T00:00:00"}, id="since-naive"),
    ],
)
async def test_bad_parameters_are_422(ctx: Ctx, query: dict[str, str]) -> None:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/incidents", params=query, headers=ctx.headers
    )
    assert resp.status == 422, await resp.text()


@pytest.mark.parametrize(
    "repository",
    [
        "github.com/acme/shop",
        "https://github.com/acme/shop.git",
        "git@github.com:acme/shop.git",
        "GitHub.com/Acme/Shop",
    ],
)
async def test_by_repository_identity(ctx: Ctx, repository: str) -> None:
    iid = await _incident(ctx, "RepoError", "shop/a.py")
    resp = await ctx.client.get(
        "/api/v1/incidents", params={"repository": repository, "status": "open"},
        headers=ctx.headers,
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert [i["id"] for i in (await resp.json())["items"]] == [iid]


async def test_by_repository_unknown_or_missing(ctx: Ctx) -> None:
    resp = await ctx.client.get(
        "/api/v1/incidents", params={"repository": "github.com/acme/other"}, headers=ctx.headers
    )
    assert resp.status == 404
    resp = await ctx.client.get("/api/v1/incidents", headers=ctx.headers)
    assert resp.status == 422


async def test_detail_has_stack_and_recent_events(ctx: Ctx) -> None:
    iid = await _incident(ctx, "DError", "shop/d.py")
    for n in range(12):
        await ctx.native({"error_type": "DError", "message": f"boom {n}",
                          "frames": [{"filename": "shop/d.py", "function": "DError",
                                      "lineno": 3, "in_app": True}]})  # fmt: skip
    detail = await ctx.incident(iid)
    assert detail["event_count"] == 13
    assert len(detail["recent_events"]) == 10  # the newest ten
    assert detail["stack"][-1]["path"] == "shop/d.py"
    assert detail["url"].endswith(f"/incidents/{iid}")
    assert detail["title"].startswith("DError: boom")


async def test_another_tenant_gets_404_everywhere(ctx: Ctx, api: Api) -> None:
    iid = await _incident(ctx, "SecretError", "shop/s.py")
    stranger = await api.account()
    h = stranger.headers
    calls = [
        ctx.client.get(f"/api/v1/projects/{ctx.pid}/incidents", headers=h),
        ctx.client.get("/api/v1/incidents", params={"repository": "github.com/acme/shop"},
                       headers=h),
        ctx.client.get(f"/api/v1/incidents/{iid}", headers=h),
        *(ctx.client.post(f"/api/v1/incidents/{iid}/{a}", json={}, headers=h)
          for a in ("resolve", "acknowledge", "ignore", "reopen")),
        ctx.client.get(f"/api/v1/projects/{ctx.pid}/live", headers=h),
        ctx.client.post(f"/api/v1/projects/{ctx.pid}/releases",
                        json={"version": "v1", "commit": "abcdef1"}, headers=h),
    ]  # fmt: skip
    for call in calls:
        resp = await call
        assert resp.status == 404, (resp.url, resp.status)
    assert (await ctx.incident(iid))["status"] == "open"
    # Without a token at all: 401.
    resp = await ctx.client.get(f"/api/v1/incidents/{iid}")
    assert resp.status == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/incidents/%C2%B2",  # a superscript two: isdigit() but not int()
        "/api/v1/incidents/99999999999999999999999",
        "/api/v1/projects/%D9%A3/incidents",  # an Arabic-Indic three
        "/api/v1/incidents/-1/resolve",
    ],
)
async def test_odd_ids_are_404_not_500(ctx: Ctx, path: str) -> None:
    method = ctx.client.post if path.endswith("resolve") else ctx.client.get
    resp = await method(path, headers=ctx.headers)
    assert resp.status == 404, await resp.text()
