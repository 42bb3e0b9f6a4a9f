"""The language server's memory target (< 100 MB with 10,000 open incidents) and the publish
time after an edit, against `railguard serve` on a fresh database. Slow: run with
`RAILGUARD_LONG_TESTS=1 .venv/bin/pytest tests/lsp/test_memory.py -s` (prints the figures and
writes them to `$RAILGUARD_LSP_MEMORY_OUT` when set). The measuring program is
`python -m bench.lsp_memory`, run here as a separate process.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from workspace import new_tenant

ROOT = Path(__file__).resolve().parents[2]
LONG = os.environ.get("RAILGUARD_LONG_TESTS") == "1"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not LONG, reason="set RAILGUARD_LONG_TESTS=1"),
]


async def test_memory_with_10000_open_incidents(served_backend: Any, tmp_path: Path) -> None:
    tenant = await new_tenant(served_backend.url, "github.com/acme/big")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.lsp_memory",
        "--url", served_backend.url, "--token", tenant.token,
        "--project", str(tenant.project["id"]), "--database-url", served_backend.database_url,
        "--root", str(tmp_path / "big"), "--home", str(tmp_path / "home"),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    result = json.loads(out)
    print(json.dumps(result, indent=2))
    if path := os.environ.get("RAILGUARD_LSP_MEMORY_OUT"):
        Path(path).write_text(json.dumps(result, indent=2))
    assert result["open_incidents"] == 10_000
    assert result["diagnostics_in_file"] == 200
    assert result["rss_mib"] * 1.048576 < 100, result
