"""The repository stands alone: comments and docs cite only documents inside it, and every
`docs/<name>.md §N` citation names a section that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The language server's folders are checked by their own tests.
SCOPE = ["server", "wire", "bench", "schema", "docs", "tests", "README.md", "BENCHMARKS.md",
         "Makefile", "pyproject.toml"]  # fmt: skip
SKIP = {ROOT / "tests" / "lsp"}
OUTSIDE = re.compile(
    r"(?<!docs/)sentry-protocol §|STYLE §|lsp-notes|performance-and-reliability"
    r"|/work/shared|\b[Ii]ssue \d+|\bseeds? \d{3}"
)
CITATION = re.compile(r"docs/([\w-]+\.md) §(\d+)")


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SCOPE:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [
            p for p in candidates
            if p.is_file() and p.suffix in {".py", ".sql", ".md", ".toml", ""}
            and not any(skip in p.parents for skip in SKIP) and "__pycache__" not in p.parts
        ]  # fmt: skip
    return found


def test_nothing_cites_documents_outside_the_repository() -> None:
    this = Path(__file__)
    hits = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in _files()
        if p != this
        for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert hits == []


def test_every_docs_citation_names_an_existing_section() -> None:
    cited = {
        (doc, int(section))
        for p in _files()
        for doc, section in CITATION.findall(p.read_text(errors="replace"))
    }
    assert cited, "the ingest code cites docs/sentry-protocol.md"
    for doc, section in sorted(cited):
        text = (ROOT / "docs" / doc).read_text()
        assert re.search(rf"^## {section}\. ", text, re.M), f"docs/{doc} has no section {section}"
