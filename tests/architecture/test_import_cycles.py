"""No import cycle anywhere in `railguard` (backend, wire types, language server).

Every `import` counts, also those inside functions, which hide a cycle from a plain import
but still tie the two modules together. The graph is read from the source with `ast`, so the
check needs nothing installed; `test_a_hidden_cycle_is_found` shows it finds one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "server", ROOT / "lsp"]


def modules(roots: list[Path]) -> dict[str, Path]:
    """Dotted name → file of every module under the source roots."""
    out: dict[str, Path] = {}
    for root in roots:
        for path in root.rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def _imported(name: str, tree: ast.AST, is_package: bool) -> Iterator[str]:
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(roots: list[Path]) -> dict[str, set[str]]:
    """Module → the modules of the same tree it imports."""
    known = modules(roots)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets = graph.setdefault(name, set())
        for target in _imported(name, tree, path.name == "__init__.py"):
            if target in known and target != name:
                targets.add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_in_railguard() -> None:
    graph = import_graph(SOURCES)
    assert len(graph) > 50 and "railguard.lsp.factory" in graph
    assert cycles(graph) == []


def test_a_hidden_cycle_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "railguard" / "demo"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from railguard.demo import b\n")
    (pkg / "b.py").write_text("def later():\n    from . import c\n")
    (pkg / "c.py").write_text("import railguard.demo.a\n")
    (pkg / "d.py").write_text("from railguard.demo.a import x\n")
    assert cycles(import_graph([tmp_path])) == [
        ["railguard.demo.a", "railguard.demo.b", "railguard.demo.c"]
    ]
