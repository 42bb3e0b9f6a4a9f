"""Packaging: the wheel carries every migration, all three `railguard` roots (server, lsp,
wire) and no bare top-level `server`/`lsp`/`wire`."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_every_migration_and_only_railguard(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("railguard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    migrations = {p.name for p in (ROOT / "schema").glob("*.sql")}
    packaged = {n.rsplit("/", 1)[1] for n in names if n.startswith("railguard/server/schema/")}
    assert packaged == migrations
    top = {n.split("/", 1)[0] for n in names}
    assert top <= {"railguard", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "railguard/__init__.py" not in names, "railguard is a namespace package"
    assert "railguard/server/sql/users.sql" in names
    assert "railguard/lsp/__main__.py" in names
    assert "railguard/wire/models.py" in names
    assert "railguard/wire/credentials.py" in names


def test_bare_source_folders_are_not_importable() -> None:
    code = "import importlib.util as u; print([u.find_spec(n) for n in ('server', 'lsp', 'wire')])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd="/", check=True
    ).stdout
    assert out.strip() == "[None, None, None]"
