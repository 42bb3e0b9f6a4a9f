"""How the CLI speaks: plain lines for people, `--json` for scripts, one-line errors."""

from __future__ import annotations

import sys
from typing import Any

import orjson
from pydantic import BaseModel


class CliError(Exception):
    """A one-line message for the user; the command exits non-zero."""


def emit(value: Any, *, as_json: bool, text: str | None = None) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    if as_json:
        sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif text is not None:
        sys.stdout.write(text.rstrip("\n") + "\n")


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    widths = {c: max(len(c), *(len(str(r.get(c, "") or "")) for r in rows)) for c in columns}
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns)]
    for r in rows:
        lines.append("  ".join(str(r.get(c, "") or "").ljust(widths[c]) for c in columns))
    return "\n".join(lines)
