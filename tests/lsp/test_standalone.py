"""The language server's side of the repository stands alone: its code, tests and editor
clients cite only documents inside the repository (`docs/*.md`), never private notes, style
guides or issue numbers."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCOPE = ["lsp", "tests/lsp", "editor-clients", "docs/language-server.md", "docs/placement.md"]
SUFFIXES = {".py", ".md", ".lua", ".ts", ".txt", ".json", ".sh"}
SKIP_PARTS = {"node_modules", "__pycache__", "dist", "out"}
OUTSIDE = re.compile(
    r"(?<!docs/)sentry-protocol §|STYLE §|lsp-" + r"notes|§\d+ step|/work/" + r"shared"
    r"|\b[Ii]ssue #?\d+|\bseeds? \d{3}|reference/[\w-]+\.md"
)


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SCOPE:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [
            p for p in candidates
            if p.is_file() and p.suffix in SUFFIXES and not SKIP_PARTS & set(p.parts)
            and p != Path(__file__).resolve()
        ]  # fmt: skip
    return found


def test_the_scan_sees_the_language_server() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _files()}
    assert "lsp/railguard/lsp/core/linemap.py" in names
    assert "editor-clients/vscode/src/incidents.ts" in names


def test_no_citation_leaves_the_repository() -> None:
    bad = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _files()
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert bad == []
