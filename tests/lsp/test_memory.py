"""The language server's memory target (< 100 MB with 10,000 open incidents) and the publish
time after an edit, against `railguard serve` on a fresh database. Slow: run with
`RAILGUARD_LONG_TESTS=1 .venv/bin/pytest tests/lsp/test_memory.py -s` (prints the figures and
writes them to `$RAILGUARD_LSP_MEMORY_OUT` when set). The measuring code is `bench.lsp_memory`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from workspace import commit_files, git, new_tenant

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.lsp_memory import measure, seed_realistic, write_workspace  # noqa: E402

LONG = os.environ.get("RAILGUARD_LONG_TESTS") == "1"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not LONG, reason="set RAILGUARD_LONG_TESTS=1"),
]


async def test_memory_with_10000_open_incidents(served_backend: Any, tmp_path: Path) -> None:
    tenant = await new_tenant(served_backend.url, "github.com/acme/big")
    root = tmp_path / "big"
    root.mkdir()
    write_workspace(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "git@github.com:acme/big.git")
    commit = commit_files(root, {}, "seeded")
    conn = await asyncpg.connect(served_backend.database_url)
    try:
        await seed_realistic(conn, tenant.project["id"], commit)
    finally:
        await conn.close()
    home = tmp_path / "home"
    home.mkdir()
    result = await measure(
        url=served_backend.url,
        token=tenant.token,
        project_id=tenant.project["id"],
        root=root.resolve(),
        home=home,
    )
    print(json.dumps(result, indent=2))
    if out := os.environ.get("RAILGUARD_LSP_MEMORY_OUT"):
        Path(out).write_text(json.dumps(result, indent=2))
    assert result["open_incidents"] == 10_000
    assert result["diagnostics_in_file"] == 200
    assert result["rss_mib"] * 1.048576 < 100, result
