"""What the real Python `sentry-sdk` sends with `send_default_pii=True` is stored scrubbed:
secrets always; emails and IP addresses when the project's privacy settings ask for it. The
settings are the owner's to change, another tenant's project is 404."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from support import Api
from workspace import commit_files

APP = {
    "shop/__init__.py": "",
    "shop/login.py": textwrap.dedent(
        """\
        def check(email):
            raise PermissionError(
                f"login failed for {email} from 198.51.100.23: password=hunter2 ssn 078-05-1120"
            )
        """
    ),
    "run.py": textwrap.dedent(
        """\
        import sys

        import sentry_sdk

        from shop.login import check

        sentry_sdk.init(dsn=sys.argv[1], send_default_pii=True)
        sentry_sdk.set_user({"id": "7", "email": "ada@example.com", "ip_address": "{{auto}}"})
        sentry_sdk.add_breadcrumb(
            category="http", message="GET https://api.example.com/reset?token=s3cr3t&page=2"
        )
        sentry_sdk.set_extra("note", "cvv=123 card 4111 1111 1111 1111")
        try:
            check("ada@example.com")
        except PermissionError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=10)
        """
    ),
}


async def _send(repo: Path, dsn: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "run.py", dsn, cwd=repo,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()


_SOURCE_KEYS = {"context_line", "pre_context", "post_context"}


def _without_source(value: Any) -> Any:
    """The payload without frame source lines, which keep the app's own code as it is (the
    editor places incidents by them) and so may show literals such as the one in `check`."""
    if isinstance(value, dict):
        return {k: _without_source(v) for k, v in value.items() if k not in _SOURCE_KEYS}
    if isinstance(value, list):
        return [_without_source(v) for v in value]
    return value


async def _latest_event(
    client: TestClient[Any, Any], headers: dict[str, str], pid: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    resp = await client.get(f"/api/v1/projects/{pid}/incidents", headers=headers)
    (incident,) = (await resp.json())["items"]
    base = f"/api/v1/incidents/{incident['id']}/events"
    events = await (await client.get(base, headers=headers)).json()
    newest = events["items"][0]["event_id"]
    detail = await (await client.get(f"{base}/{newest}", headers=headers)).json()
    return incident, detail


async def test_sdk_event_is_scrubbed_by_default_rules_then_by_the_project_policy(
    client: TestClient[Any, Any], api: Api, tmp_path: Path
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    dsn = project["dsn"].replace("127.0.0.1:8000", f"{client.host}:{client.port}")
    repo = tmp_path / "shop"
    commit_files(repo, APP)

    await _send(repo, dsn)
    incident, event = await _latest_event(client, owner.headers, pid)
    text = str(_without_source(event["payload"]))
    for secret in ("hunter2", "078-05-1120", "s3cr3t", "cvv=123", "4111 1111 1111 1111"):
        assert secret not in text, secret
    assert "password=[Filtered]" in incident["message"]
    assert "token=[Filtered]&page=2" in text
    (frame,) = event["payload"]["exception"]["values"][0]["stacktrace"]["frames"][-1:]
    assert "password=hunter2" in frame["post_context"][0]  # source lines, as in the repository
    # Off by default: the SDK's user (and the address in the message) are kept.
    assert event["payload"]["user"]["email"] == "ada@example.com"
    assert event["payload"]["user"]["ip_address"] == "127.0.0.1"
    assert "ada@example.com" in incident["message"]

    got = await client.get(f"/api/v1/projects/{pid}/privacy", headers=owner.headers)
    assert await got.json() == {"scrub_emails": False, "scrub_ip_addresses": False}
    changed = await client.patch(
        f"/api/v1/projects/{pid}/privacy", headers=owner.headers,
        json={"scrub_emails": True, "scrub_ip_addresses": True},
    )  # fmt: skip
    assert changed.status == 200
    assert await changed.json() == {"scrub_emails": True, "scrub_ip_addresses": True}

    await _send(repo, dsn)
    incident, event = await _latest_event(client, owner.headers, pid)
    assert incident["event_count"] == 2  # same grouping: scrubbing never touches it
    text = str(_without_source(event["payload"]))
    for pii in ("ada@example.com", "198.51.100.23", "127.0.0.1"):
        assert pii not in text, pii
    assert event["payload"]["user"] == {"id": "7", "email": "[email]", "ip_address": "[ip]"}


async def test_privacy_settings_are_the_owners_and_invisible_to_other_tenants(
    client: TestClient[Any, Any], api: Api
) -> None:
    owner, member, stranger = await api.account(), await api.account(), await api.account()
    project = await api.project(owner)
    path = f"/api/v1/projects/{project['id']}/privacy"
    await api.join(owner, member, project_id=project["id"])

    assert (await client.get(path, headers=member.headers)).status == 200
    refused = await client.patch(path, headers=member.headers, json={"scrub_emails": True})
    assert refused.status == 403
    for method in ("GET", "PATCH"):
        resp = await client.request(method, path, headers=stranger.headers, json={})
        assert resp.status == 404, method
    bad = await client.patch(path, headers=owner.headers, json={"scrub_emails": "yes please"})
    assert bad.status == 422
    assert await (await client.get(path, headers=owner.headers)).json() == {
        "scrub_emails": False, "scrub_ip_addresses": False,
    }  # fmt: skip
