"""The real `@sentry/node` (tests/clients/node) with `tracesSampleRate: 1.0`: its transactions
and spans become a route and a waterfall."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from support import Api

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ingest_e2e"))  # its fixture
from test_node_sdk import node_modules  # noqa: E402, F401  (the pinned SDK, as a fixture)

RUN = textwrap.dedent(
    """\
    const Sentry = require("@sentry/node");

    Sentry.init({ dsn: process.argv[2], tracesSampleRate: 1.0, environment: "edge" });

    async function main() {
      for (const n of [1, 2]) {
        await Sentry.startSpan({ name: "GET /invoices/:id", op: "http.server" }, async () => {
          await Sentry.startSpan({ name: `SELECT * FROM invoices WHERE id = ${n}`, op: "db" },
            () => new Promise((resolve) => setTimeout(resolve, 15)));
        });
      }
      if (!(await Sentry.flush(10000))) {
        console.error("flush timed out");
        process.exit(2);
      }
    }

    main();
    """
)


async def test_node_sdk_transactions_become_a_route_and_a_waterfall(
    client: TestClient[Any, Any],
    api: Api,
    tmp_path: Path,
    node_modules: Path,  # noqa: F811
) -> None:
    owner = await api.account()
    project = await api.project(owner)
    pid = project["id"]
    dsn = project["dsn"].replace("127.0.0.1:8000", f"{client.host}:{client.port}")
    (tmp_path / "run.js").write_text(RUN)
    proc = await asyncio.create_subprocess_exec(
        "node", "run.js", dsn, cwd=tmp_path, env={**os.environ, "NODE_PATH": str(node_modules)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()

    resp = await client.get(f"/api/v1/projects/{pid}/routes?window=1h", headers=owner.headers)
    (row,) = (await resp.json())["items"]
    assert (row["route"], row["environment"], row["count"]) == ("GET /invoices/:id", "edge", 2)
    assert row["p50_ms"] >= 15 * (1 - 0.01)
    resp = await client.get(
        f"/api/v1/projects/{pid}/routes/detail",
        params={"route": "GET /invoices/:id", "window": "1h"}, headers=owner.headers,
    )  # fmt: skip
    (group,) = (await resp.json())["span_groups"]
    assert (group["op"], group["description"], group["count"]) == (
        "db", "SELECT * FROM invoices WHERE id = ?", 2,
    )  # fmt: skip
