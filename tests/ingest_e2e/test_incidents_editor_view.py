"""`view=editor` on the incident list: the crash frame keeps its context, other in-app frames
keep only their context line, library frames none; the default view is unchanged."""

from __future__ import annotations

import pytest
from e2e import Ctx, new_project

from support import Api

PRE = ["a = 1", "b = 2"]
POST = ["c = 3"]


def frame(path: str, line: int, function: str, *, in_app: bool) -> dict[str, object]:
    return {
        "filename": path, "function": function, "lineno": line, "in_app": in_app,
        "context_line": f"{function}()", "pre_context": PRE, "post_context": POST,
    }  # fmt: skip


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api, repository="github.com/acme/shop")


async def test_editor_view_keeps_the_crash_frame_whole(ctx: Ctx) -> None:
    frames = [
        frame("lib/framework.py", 10, "dispatch", in_app=False),
        frame("shop/views.py", 20, "view", in_app=True),
        frame("shop/billing.py", 30, "charge", in_app=True),
    ]
    resp = await ctx.native({"error_type": "KeyError", "message": "boom", "frames": frames})
    assert resp.status == 201, await resp.text()
    (full,) = await ctx.incidents()
    (slim,) = await ctx.incidents(view="editor")
    assert [f["context_line"] for f in full["stack"]] == [
        "dispatch()", "view()", "charge()",
    ]  # fmt: skip
    assert all(f["pre_context"] == PRE and f["post_context"] == POST for f in full["stack"])

    library, caller, crash = slim["stack"]
    assert (library["path"], library["line"], library["function"]) == (
        "lib/framework.py", 10, "dispatch",
    )  # fmt: skip
    assert library["context_line"] is None and library["pre_context"] == []
    assert caller["context_line"] == "view()"
    assert caller["pre_context"] == [] and caller["post_context"] == []
    assert crash == full["stack"][-1] == slim["top_frame"] == full["top_frame"]
    assert {k: v for k, v in slim.items() if k != "stack"} == {
        k: v for k, v in full.items() if k != "stack"
    }
    # The detail is always whole.
    detail = await ctx.incident(int(full["id"]))
    assert detail["stack"] == full["stack"]
    # `full` is the default, spelled out.
    assert await ctx.incidents(view="full") == [full]


async def test_unknown_view_is_422(ctx: Ctx) -> None:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/incidents", params={"view": "compact"}, headers=ctx.headers
    )
    assert resp.status == 422, await resp.text()
