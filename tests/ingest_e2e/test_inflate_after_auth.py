"""Authenticate before inflating: compressed bodies without a valid key cost almost nothing,
total inflation in flight is bounded per process, and memory is given back afterwards."""

from __future__ import annotations

import asyncio
import threading
import time
import zlib
from pathlib import Path

import aiohttp
import pytest
from e2e import event_count, event_envelope, new_project

from railguard.server.errors import PayloadTooLarge
from railguard.server.ingest.body import InflateBudget
from support import Api, ServedBackend

MiB = 1024 * 1024


def _gzip_bomb(head: bytes, mib: int) -> bytes:
    """`head` then `mib` MiB of zeros, gzip-compressed while streaming (100 MiB → ~97 KB)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MiB)
    return b"".join(
        [comp.compress(head)] + [comp.compress(zeros) for _ in range(mib)] + [comp.flush()]
    )


def _tree_rss_kib(pid: int) -> int:
    """VmRSS of a process and its direct children (the serve parent and its workers)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        pids += [int(c) for c in children]
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


class _Peak:
    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_kib(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


BOUND_MIB = 48
"""How much 16 keyless 97 KB bombs may grow the server (it was +1.4 GiB)."""


@pytest.mark.parametrize(
    "head",
    [b"", b'{"dsn": "http://0123456789abcdef0123456789abcdef@127.0.0.1/1"}\n'],
    ids=["no-header-line", "dsn-with-unknown-key"],
)
async def test_sixteen_keyless_gzip_bombs_barely_grow_rss(
    served_backend: ServedBackend, head: bytes
) -> None:
    bomb = _gzip_bomb(head, 100)
    assert len(bomb) < 110_000
    assert served_backend.process is not None
    pid = served_backend.process.pid
    async with aiohttp.ClientSession() as session:
        # Warm up (imports, first connections) so the figure is about the bombs.
        async with session.post(f"{served_backend.url}/api/1/envelope/", data=b"{}\n") as r:
            await r.read()
        await asyncio.sleep(0.3)
        before = _tree_rss_kib(pid)

        async def one() -> int:
            async with session.post(
                f"{served_backend.url}/api/1/envelope/", data=bomb,
                headers={"Content-Encoding": "gzip",
                         "Content-Type": "application/x-sentry-envelope"},
            ) as resp:  # fmt: skip
                await resp.read()
                return resp.status

        with _Peak(pid) as peak:
            statuses = await asyncio.gather(*(one() for _ in range(16)))
            await asyncio.sleep(0.3)
        after = _tree_rss_kib(pid)
    assert all(400 <= s < 500 for s in statuses), statuses
    grown_mib = (peak.peak - before) / 1024
    print(f"RSS before {before / 1024:.1f} MiB, peak +{grown_mib:.1f} MiB, after +"
          f"{(after - before) / 1024:.1f} MiB")  # fmt: skip
    assert grown_mib < BOUND_MIB


async def test_header_line_bomb_is_refused_before_any_key_lookup(api: Api) -> None:
    """A first line that never ends is cut off at the head cap (400), not inflated whole."""
    ctx = await new_project(api)
    bomb = _gzip_bomb(b'{"dsn": "', 50)
    resp = await ctx.client.post(
        f"/api/{ctx.pid}/envelope/", data=bomb,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/x-sentry-envelope"},
    )  # fmt: skip
    assert resp.status == 400, await resp.text()
    assert "header line" in (await resp.json())["detail"]


async def test_dsn_only_envelope_still_authenticates(api: Api, database_url: str) -> None:
    ctx = await new_project(api)
    dsn = ctx.project["dsn"]
    body = zlib.compress(event_envelope(headers={"dsn": dsn}), wbits=31)
    resp = await ctx.client.post(
        f"/api/{ctx.pid}/envelope/", data=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/x-sentry-envelope"},
    )  # fmt: skip
    assert resp.status == 200, await resp.text()
    assert await event_count(database_url) == 1


async def test_budget_waits_then_refuses_and_caps_one_request() -> None:
    budget = InflateBudget(10 * MiB, wait=0.2)
    await budget.take(8 * MiB)
    with pytest.raises(PayloadTooLarge):
        await budget.take(11 * MiB)
    waiter = asyncio.create_task(budget.take(4 * MiB))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await budget.give(8 * MiB)
    await waiter
    assert budget.used == 4 * MiB
    from railguard.server.ingest.body import BudgetExhausted

    with pytest.raises(BudgetExhausted):
        await budget.take(7 * MiB)
