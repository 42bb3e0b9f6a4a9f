"""What placement is made of, shared by `linemap` and `contextmatch`: the kinds of placement,
the context an SDK sends with a frame, and how two line texts compare (docs/placement.md).

Pure code.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum

from railguard.lsp.core.moves import norm

#: A line is shown `changed` only on a line at least this similar (difflib ratio of the
#: whitespace-normalised texts): below it, the two are not one line edited but different code.
SIMILAR = 0.6


class PlacementKind(StrEnum):
    EXACT = "exact"
    CHANGED = "changed"
    RELOCATED = "relocated"
    UNVERIFIED = "unverified"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Placement:
    kind: PlacementKind
    line: int | None
    """0-based line in the current text; None exactly when `kind` is `deleted`."""
    near: int | None = field(default=None, compare=False)
    """For a line not placed: the current line where it was removed, for a list to jump to
    (never shown as a diagnostic there); None when not known."""

    @property
    def shown(self) -> bool:
        return self.line is not None


DELETED = Placement(PlacementKind.DELETED, None)


@dataclass(frozen=True, slots=True)
class FrameContext:
    """The source text an SDK sent with a frame (Sentry: 5 lines each side, indentation kept)."""

    context_line: str | None = None
    pre_context: tuple[str, ...] = ()
    post_context: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.context_line is None and not self.pre_context and not self.post_context


def normalize(line: str) -> str:
    """Whitespace-insensitive form of a line, for matching by text."""
    return norm(line)


def similarity(a: str, b: str) -> float:
    """difflib's ratio of two normalised lines (it depends on their order: check both)."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


SNIP = "{snip}"


def same_text(candidate: str, wanted: str) -> bool:
    """`wanted` is normalised; SDKs cut long lines and end them with "..." (compare a prefix),
    or, the JavaScript SDKs, keep a window around the column with `{snip}` at a cut end."""
    norm = normalize(candidate)
    if norm == wanted:
        return True
    for marker in ("...", "\u2026"):
        if wanted.endswith(marker) and len(wanted) > 20:
            return norm.startswith(wanted[: -len(marker)].rstrip())
    head, tail = wanted.startswith(SNIP), wanted.endswith(SNIP)
    if head or tail:
        core = wanted.removeprefix(SNIP).removesuffix(SNIP).strip()
        if len(core) > 20:
            return core in norm if head else norm.startswith(core)
    return False
