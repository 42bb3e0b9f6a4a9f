"""The real Python `sentry-sdk`, changed only by its DSN, reporting to a running server."""

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
    "shop/billing.py": textwrap.dedent(
        """\
        def load_invoice(invoices, number):
            return invoices[number]


        def charge(number):
            invoices = {}
            return load_invoice(invoices, number)
        """
    ),
    "run.py": textwrap.dedent(
        """\
        import sys

        import sentry_sdk

        from shop.billing import charge

        sentry_sdk.init(dsn=sys.argv[1], environment="staging")
        try:
            charge(int(sys.argv[2]))
        except KeyError:
            sentry_sdk.capture_exception()
        sentry_sdk.flush(timeout=10)
        """
    ),
}


async def run_app(repo: Path, dsn: str, *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "run.py", dsn, *args, cwd=repo,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()


async def open_incidents(
    client: TestClient[Any, Any], headers: dict[str, str], pid: int
) -> list[Any]:
    resp = await client.get(f"/api/v1/projects/{pid}/incidents", headers=headers)
    assert resp.status == 200
    items: list[Any] = (await resp.json())["items"]
    return items


async def test_python_sdk_exception_becomes_an_incident_at_file_line_commit(
    client: TestClient[Any, Any], api: Api, tmp_path: Path
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    dsn = project["dsn"].replace("127.0.0.1:8000", f"{client.host}:{client.port}")
    repo = tmp_path / "shop"
    sha = commit_files(repo, APP)

    await run_app(repo, dsn, "99")

    (incident,) = await open_incidents(client, owner.headers, project["id"])
    assert incident["error_type"] == "KeyError"
    assert incident["event_count"] == 1
    assert incident["first_commit"] == incident["latest_commit"] == sha
    assert incident["environments"] == ["staging"]
    top = incident["top_frame"]
    assert top["path"] == "shop/billing.py"
    assert top["line"] == 2 and top["function"] == "load_invoice"
    assert top["context_line"].strip() == "return invoices[number]"
    assert [f["function"] for f in incident["stack"]][-2:] == ["charge", "load_invoice"]

    # The same error raised from a line shifted by an edit in a later commit joins the incident.
    shifted = {"shop/billing.py": "# a comment\n\n" + APP["shop/billing.py"]}
    sha2 = commit_files(repo, shifted)
    await run_app(repo, dsn, "7")
    (incident,) = await open_incidents(client, owner.headers, project["id"])
    assert incident["event_count"] == 2
    assert incident["first_commit"] == sha and incident["latest_commit"] == sha2
    assert incident["top_frame"]["line"] == 4
