"""SQL lives in `server/railguard/server/sql/*.sql` as named queries, not in Python strings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import railguard.server

PACKAGE = Path(railguard.server.__file__).parent
# The migration runner's bookkeeping, the embedded server's CREATE DATABASE and the incident
# search, whose WHERE is composed from a fixed set of filters (each module says why); nothing else.
EXCEPTIONS = {"migrations.py", "cli/database.py", "search.py"}
_STATEMENT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP|ALTER)\s")


def _statements(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _STATEMENT.match(node.value)
    ]


def test_no_sql_outside_the_sql_folder() -> None:
    found = {
        f"{path.relative_to(PACKAGE)}:{line}": text
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).as_posix() not in EXCEPTIONS
        for line, text in _statements(path)
    }
    assert found == {}


def test_the_check_sees_sql_where_it_is() -> None:
    assert _statements(PACKAGE / "migrations.py")  # the exceptions do hold SQL
