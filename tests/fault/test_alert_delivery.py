# ruff: noqa: F811  (the fixture `own_database` is imported from faultkit)
"""Alerts survive `kill -9` of the server between deciding and delivering (docs/alerts.md):
200 new incidents decide 200 alerts; the server (parent and workers) is killed while mails are
in flight; after the restart every alert arrives, each with the key it was given before the
kill, and no alert has two keys (a redelivery of the same key is allowed and counted)."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from faultkit import Database, envelope, make_project, own_database, wait_until  # noqa: F401

from alertkit import SmtpSink
from support import ServedBackend

pytestmark = pytest.mark.fault

ALERTS = 200


def _kill9_tree(server: ServedBackend) -> None:
    """SIGKILL the workers, then the parent: nobody shuts down gracefully."""
    pid = server.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    for kid in kids:
        try:
            os.kill(kid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.kill()


async def _send_all(url: str, project_id: int, key: str) -> None:
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7",
    }
    gate = asyncio.Semaphore(16)

    async def one(kind: int, session: aiohttp.ClientSession) -> None:
        async with gate, session.post(
            f"{url}/api/{project_id}/envelope/", data=envelope(uuid.uuid4().hex, kind),
            headers=headers,
        ) as resp:  # fmt: skip
            assert resp.status == 200, await resp.text()

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(kind, session) for kind in range(ALERTS)))


async def test_kill_9_between_deciding_and_delivering_loses_and_doubles_nothing(
    own_database: Database, tmp_path: Path
) -> None:
    smtp = SmtpSink(delay=0.05).start()
    server = ServedBackend(own_database.url, tmp_path / "server.log", env={
        "RAILGUARD_SMTP_HOST": "127.0.0.1", "RAILGUARD_SMTP_PORT": str(smtp.port),
        "RAILGUARD_SMTP_SECURITY": "none", "RAILGUARD_ALERT_POLL_SECONDS": "0.2",
        "RAILGUARD_ALERT_RETRY_BASE_SECONDS": "0.2", "RAILGUARD_ALERT_BURST_LIMIT": "100000",
    })  # fmt: skip
    try:
        server.start()
        project = await make_project(server.url)
        await _send_all(server.url, project.id, project.public_key)

        async def some_mail() -> bool:
            return len(smtp.snapshot()) >= 10

        await wait_until(some_mail, timeout=60, interval=0.02)
        await asyncio.to_thread(_kill9_tree, server)
        unsent = await own_database.fetch(
            "SELECT idempotency_key FROM alert_deliveries WHERE status <> 'delivered'"
        )
        undecided = await own_database.fetch(
            "SELECT count(*) FROM alert_outbox WHERE expanded_at IS NULL"
        )
        assert unsent or undecided[0][0], "the kill came after every delivery"
        server.start()

        async def all_keys() -> bool:
            return len({m.key for m in smtp.snapshot()}) >= ALERTS

        await wait_until(all_keys, timeout=90)
        await asyncio.sleep(1.0)  # anything sent twice would show up now
        mails = smtp.snapshot()
        rows = await own_database.fetch(
            "SELECT idempotency_key, status, incident_ids FROM alert_deliveries"
        )
        assert len(rows) == ALERTS and {r["status"] for r in rows} == {"delivered"}
        per_incident = Counter(i for r in rows for i in r["incident_ids"])
        assert len(per_incident) == ALERTS and set(per_incident.values()) == {1}
        assert {m.key for m in mails} == {r["idempotency_key"] for r in rows}
        assert {r["idempotency_key"] for r in unsent} <= {m.key for m in mails}
        assert all(m.message_id == f"<{m.key}@127.0.0.1>" for m in mails)
        resent = len(mails) - ALERTS
        print(f"{len(unsent)} undelivered at the kill; {resent} redelivered with the same key")
    finally:
        server.stop()
        smtp.stop()
