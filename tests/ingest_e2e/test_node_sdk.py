"""The real `@sentry/node` (npm, pinned in tests/clients/node), changed only by its DSN,
reporting to a running server: the exception becomes an incident at file, line and commit."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from e2e import Ctx, new_project

from support import Api
from workspace import commit_files

CLIENT = Path(__file__).resolve().parent.parent / "clients" / "node"

BILLING = textwrap.dedent(
    """\
    function loadInvoice(invoices, number) {
      const invoice = invoices[number];
      return invoice.total;
    }

    function charge(number) {
      return loadInvoice({}, number);
    }

    module.exports = { charge };
    """
)
APP = {
    "src/billing.js": BILLING,
    "run.js": textwrap.dedent(
        """\
        const Sentry = require("@sentry/node");
        const { charge } = require("./src/billing");

        Sentry.init({ dsn: process.argv[2], environment: "staging" });

        async function main() {
          try {
            charge(Number(process.argv[3]));
          } catch (err) {
            Sentry.captureException(err);
          }
          if (!(await Sentry.flush(10000))) {
            console.error("flush timed out");
            process.exit(2);
          }
        }

        main();
        """
    ),
}


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The pinned SDK installed; a missing node or npm registry fails the test (CI has both)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm are required for the @sentry/node test")
    modules = CLIENT / "node_modules"
    if not (modules / "@sentry" / "node" / "package.json").exists():
        proc = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=CLIENT, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip
        if proc.returncode != 0:
            pytest.fail(f"npm ci failed:\n{proc.stdout}\n{proc.stderr}")
    return modules


async def run_node(repo: Path, modules: Path, dsn: str, sha: str) -> None:
    env = {**os.environ, "NODE_PATH": str(modules), "SENTRY_RELEASE": sha}
    proc = await asyncio.create_subprocess_exec(
        "node", "run.js", dsn, "99", cwd=repo, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()


def local_dsn(ctx: Ctx) -> str:
    return str(ctx.project["dsn"]).replace("127.0.0.1:8000", f"{ctx.client.host}:{ctx.client.port}")


async def test_node_sdk_exception_becomes_an_incident_at_file_line_commit(
    api: Api, tmp_path: Path, node_modules: Path
) -> None:
    repo = (tmp_path / "shop").resolve()
    sha = commit_files(repo, APP)
    owner = await api.account()
    # The documented way to map Node's absolute filenames to the repository: a path rule.
    ruled = await new_project(api, owner, path_rules=[{"strip_prefix": f"{repo}/"}])
    bare = await new_project(api, owner)

    await asyncio.gather(
        run_node(repo, node_modules, local_dsn(ruled), sha),
        run_node(repo, node_modules, local_dsn(bare), sha),
    )

    (incident,) = await ruled.incidents()
    assert incident["error_type"] == "TypeError"
    assert "total" in incident["message"]
    assert incident["first_commit"] == incident["latest_commit"] == sha
    assert incident["environments"] == ["staging"]
    top: dict[str, Any] = incident["top_frame"]
    assert top["path"] == "src/billing.js"
    assert top["original_path"] == f"{repo}/src/billing.js"
    assert (top["line"], top["function"]) == (3, "loadInvoice")
    assert top["context_line"].strip() == "return invoice.total;"
    (event,) = (await ruled.incident(incident["id"]))["recent_events"]
    assert (event["commit_sha"], event["commit_source"]) == (sha, "release")

    # Without a rule the absolute path is no repository path, but it is kept, so an editor
    # (or the list filter) can still match it by suffix.
    (plain,) = await bare.incidents()
    assert plain["fingerprint"] == incident["fingerprint"]  # grouping ignores where it ran
    assert plain["top_frame"]["path"] in (None, "src/billing.js")
    assert plain["top_frame"]["original_path"] == f"{repo}/src/billing.js"
    assert plain["top_frame"]["line"] == 3
    assert [i["id"] for i in await bare.incidents(path="src/billing.js")] == [plain["id"]]

    # The same error from a line shifted by an edit in a later commit joins the incident.
    sha2 = commit_files(repo, {"src/billing.js": "// billing\n\n" + BILLING})
    await run_node(repo, node_modules, local_dsn(ruled), sha2)
    (incident,) = await ruled.incidents()
    assert incident["event_count"] == 2
    assert (incident["first_commit"], incident["latest_commit"]) == (sha, sha2)
    assert incident["top_frame"]["line"] == 5
