"""Nothing silently dropped: item types the server does not store (a real `sentry_sdk`
attachment and profile, a statsd item) are counted per project, type and day, and the SDK's own
client reports (what it dropped itself) are recorded; the SDK still gets its 200."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from e2e import Ctx, envelope, new_project
from sdkrun import dsn, run

from support import Api

APP = textwrap.dedent(
    """\
    import sys
    import time

    import sentry_sdk

    sentry_sdk.init(dsn=sys.argv[1], traces_sample_rate=1.0, profiles_sample_rate=1.0)
    with sentry_sdk.start_transaction(name="crunch"):
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            sum(i * i for i in range(1000))
    sentry_sdk.get_isolation_scope().add_attachment(bytes=b"order dump", filename="order.txt")
    sentry_sdk.capture_message("with an attachment")
    sentry_sdk.flush(timeout=10)

    # Events the SDK drops itself (sampled out) come back in a client report.
    sentry_sdk.init(dsn=sys.argv[1], sample_rate=0.0)
    for _ in range(3):
        sentry_sdk.capture_message("sampled out")
    sentry_sdk.flush(timeout=10)
    """
)


@pytest.fixture
async def ctx(api: Api) -> Ctx:
    return await new_project(api)


async def discarded(ctx: Ctx, headers: dict[str, str] | None = None, status: int = 200) -> Any:
    resp = await ctx.client.get(
        f"/api/v1/projects/{ctx.pid}/discarded", headers=headers or ctx.headers
    )
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_real_sdk_attachment_profile_and_client_report_are_counted(
    ctx: Ctx, api: Api, tmp_path: Path
) -> None:
    await run(APP, tmp_path, dsn(ctx))
    counts = {
        (d["origin"], d["category"], d["reason"]): d["quantity"] for d in await discarded(ctx)
    }
    assert counts[("server", "attachment", "not_supported")] == 1
    assert counts[("server", "profile", "not_supported")] == 1
    assert counts[("client", "error", "sample_rate")] == 3
    # The event that carried the attachment was stored all the same.
    (incident,) = await ctx.incidents()
    assert incident["message"] == "with an attachment"

    stranger = await api.account()
    await discarded(ctx, stranger.headers, 404)


async def test_counts_add_up_per_type_and_the_answer_stays_200(ctx: Ctx) -> None:
    for _ in range(2):
        resp = await ctx.send(
            envelope(("statsd", b"page.load:1|c"), ("replay_event", {"type": "replay_event"}),
                     ("statsd", b"page.load:2|c"))
        )  # fmt: skip
        assert resp.status == 200, await resp.text()
        assert await resp.json() == {}
    counts = {(d["category"], d["reason"]): d["quantity"] for d in await discarded(ctx)}
    assert counts == {("statsd", "not_supported"): 4, ("replay_event", "not_supported"): 2}
