"""Run a real SDK script (Sentry or OpenTelemetry) against the test's server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from e2e import Ctx


async def run(script: str, cwd: Path, *args: str) -> str:
    """Write `script` to `cwd/app.py`, run it with `args`, and return its output (exit 0)."""
    path = cwd / "app.py"
    path.write_text(script)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(path), *args, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


def dsn(ctx: Ctx) -> str:
    """The project's DSN, pointed at the test server's port."""
    return str(ctx.project["dsn"]).replace("127.0.0.1:8000", f"{ctx.client.host}:{ctx.client.port}")
