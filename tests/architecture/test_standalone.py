"""The repository stands alone: code, tests, docs and editor clients cite only documents inside
it (`docs/*.md`), never private notes, style guides, design seeds or issue numbers; and every
`docs/<name>.md §N` citation names a section that exists. One scan for the whole tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCOPE = ["server", "wire", "lsp", "testkit", "bench", "schema", "docs", "tests", "editor-clients",
         "README.md", "BENCHMARKS.md", "Makefile", "pyproject.toml"]  # fmt: skip
SUFFIXES = {".py", ".sql", ".md", ".toml", ".lua", ".ts", ".txt", ".json", ".sh", ""}
SKIP_PARTS = {"node_modules", "__pycache__", "dist", "out"}
# The shapes an outside citation takes: a private note's section sign, a style-guide section,
# a path into the steering folder, an issue or seed number. This file names them, so it is
# the one file the scan skips.
OUTSIDE = re.compile(
    r"(?<!docs/)sentry-protocol §|STYLE §|lsp-notes|performance-and-reliability|§\d+ step"
    r"|/work/shared|\b[Ii]ssue #?\d+|\bseeds? \d{3}|reference/[\w-]+\.md"
)
CITATION = re.compile(r"docs/([\w-]+\.md) §(\d+)")


def _files() -> list[Path]:
    this = Path(__file__).resolve()
    found: list[Path] = []
    for name in SCOPE:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [
            p for p in candidates
            if p.is_file() and p.suffix in SUFFIXES and not SKIP_PARTS & set(p.parts)
            and p.resolve() != this
        ]  # fmt: skip
    return found


def test_the_scan_sees_both_halves_and_the_clients() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _files()}
    assert "lsp/railguard/lsp/core/linemap.py" in names
    assert "server/railguard/server/views/ingest.py" in names
    assert "editor-clients/vscode/src/incidents.ts" in names


def test_nothing_cites_documents_outside_the_repository() -> None:
    hits = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _files()
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert hits == []


def test_every_docs_citation_names_an_existing_section() -> None:
    cited = {
        (doc, int(section))
        for p in _files()
        for doc, section in CITATION.findall(p.read_text(encoding="utf-8", errors="replace"))
    }
    assert cited, "the ingest code cites docs/sentry-protocol.md"
    for doc, section in sorted(cited):
        text = (ROOT / "docs" / doc).read_text()
        assert re.search(rf"^## {section}\. ", text, re.M), f"docs/{doc} has no section {section}"
