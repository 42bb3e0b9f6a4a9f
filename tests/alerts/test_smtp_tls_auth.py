"""Mail through STARTTLS with a certificate made for the test, and SMTP AUTH; the test-alert
API and the `railguard alerts test` command."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from e2e import wait_for

from alertkit import WAIT, SmtpSink, alert_settings, self_signed_cert
from railguard.server.app import create_app
from support import Api, free_port

USER, PASSWORD = "mailer", "correct horse battery"


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[SmtpSink]:
    sink = SmtpSink(tls_cert=self_signed_cert(tmp_path), username=USER, password=PASSWORD)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@contextlib.asynccontextmanager
async def _client(settings: Any) -> AsyncIterator[TestClient[Any, Any]]:
    server = TestServer(create_app(settings), host="127.0.0.1", port=free_port())
    async with TestClient(server) as client:
        yield client


async def _test_alert(api: Api) -> tuple[Any, list[dict[str, Any]]]:
    owner = await api.account()
    project = await api.project(owner)
    resp = await api.client.post(
        f"/api/v1/projects/{project['id']}/alerts/test", json={}, headers=owner.headers
    )
    assert resp.status == 202, await resp.text()
    queued: list[dict[str, Any]] = await resp.json()
    assert [(d["kind"], d["recipient"]) for d in queued] == [("test", owner.email)]
    return owner, queued


async def test_starttls_and_auth(database_url: str, tls_smtp: SmtpSink, tmp_path: Path) -> None:
    cert, _ = tls_smtp.tls_cert or (None, None)
    settings = alert_settings(
        database_url, tls_smtp, smtp_security="starttls", smtp_username=USER,
        smtp_password=PASSWORD, smtp_ca_file=str(cert),
    )  # fmt: skip
    async with _client(settings) as client:
        await _test_alert(Api(client))
        mails = await wait_for(lambda: _some(tls_smtp), timeout=WAIT, what="the test mail")
        assert mails[0].tls and mails[0].login == USER
        assert mails[0].message["Subject"].startswith("[Railguard] Test alert for app")


async def _some(sink: SmtpSink) -> list[Any] | None:
    return sink.snapshot() or None


async def test_a_wrong_password_is_a_visible_failure(database_url: str, tls_smtp: SmtpSink) -> None:
    cert, _ = tls_smtp.tls_cert or (None, None)
    settings = alert_settings(
        database_url, tls_smtp, smtp_security="starttls", smtp_username=USER,
        smtp_password="wrong", smtp_ca_file=str(cert), alert_give_up_hours=0.0003,
    )  # fmt: skip
    async with _client(settings) as client:
        api = Api(client)
        owner, queued = await _test_alert(api)
        pid = (await (await client.get("/api/v1/projects", headers=owner.headers)).json())[0]["id"]

        async def failed() -> dict[str, Any] | None:
            resp = await client.get(
                f"/api/v1/projects/{pid}/alerts/deliveries?status=failed", headers=owner.headers
            )
            items = (await resp.json())["items"]
            return items[0] if items else None

        log = await wait_for(failed, timeout=WAIT, what="the delivery given up")
        assert log["id"] == queued[0]["id"] and log["attempts"] >= 1
        assert "535" in log["last_error"] or "auth" in log["last_error"].lower()
        assert tls_smtp.snapshot() == []


async def test_the_cli_sends_a_test_alert(api: Api, smtp: SmtpSink, database_url: str) -> None:
    owner = await api.account()
    project = await api.project(owner)
    env = {
        **os.environ, "RAILGUARD_DATABASE_URL": database_url,
        "RAILGUARD_SMTP_HOST": "127.0.0.1", "RAILGUARD_SMTP_PORT": str(smtp.port),
        "RAILGUARD_SMTP_SECURITY": "none", "RAILGUARD_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "railguard.server", "alerts", "test", "--project",
         str(project["id"]), "--json"],
        env=env, capture_output=True, text=True, timeout=WAIT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert owner.email in done.stdout
    mails = await wait_for(lambda: _some(smtp), timeout=WAIT, what="the CLI's test mail")
    assert mails[0].recipients == [owner.email]
    missing = subprocess.run(
        [sys.executable, "-m", "railguard.server", "alerts", "test", "--project", "999999"],
        env=env, capture_output=True, text=True, timeout=WAIT,
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr.strip() == "railguard: no project with id 999999"
