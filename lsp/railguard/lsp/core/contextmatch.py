"""Placement without the commit's text: find the line by the frame's own context.

When the incident's commit is not in the clone, the frame's `context_line`, `pre_context` and
`post_context` are all there is (docs/placement.md, "The commit is not in the clone"). Pure
code, like `linemap`, whose kinds, normalisation and similarity rules it shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from railguard.lsp.core.linerules import (
    DELETED,
    SIMILAR,
    FrameContext,
    Placement,
    PlacementKind,
    normalize,
    same_text,
    similarity,
)

#: Fraction of the frame's pre/post context that must agree for a context relocation.
CONTEXT_THRESHOLD = 0.5
#: Sliding-window score needed to place a line whose own text is gone as `changed`.
WINDOW_THRESHOLD = 0.8


def _context_hits(
    lines: Sequence[str], at: int, pre: Sequence[str], post: Sequence[str]
) -> tuple[int, int]:
    """How many non-blank `pre`/`post` lines (normalised) are at the same offsets around `at`,
    and out of how many; blank lines match anywhere, so they count for nothing."""
    hits = total = 0
    for offset, wanted in enumerate(reversed(pre), start=1):
        if wanted:
            j = at - offset
            total += 1
            hits += j >= 0 and same_text(lines[j], wanted)
    for offset, wanted in enumerate(post, start=1):
        if wanted:
            j = at + offset
            total += 1
            hits += j < len(lines) and same_text(lines[j], wanted)
    return hits, total


def _context_score(lines: Sequence[str], at: int, pre: Sequence[str], post: Sequence[str]) -> float:
    """Fraction of the non-blank `pre`/`post` lines found at the same offsets around `at`."""
    hits, total = _context_hits(lines, at, pre, post)
    return hits / total if total else 1.0


def _best_unique(
    lines: Sequence[str], candidates: Sequence[int], pre: Sequence[str], post: Sequence[str]
) -> tuple[int, float] | None:
    """The single best-scoring candidate and its score; None on a tie for best."""
    scored = sorted(((_context_score(lines, j, pre, post), j) for j in candidates), reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1], scored[0][0]


def place_by_context(new: Sequence[str], line: int, context: FrameContext | None) -> Placement:
    """Place a 1-based `line` without the commit's text (docs/placement.md, "The commit is not
    in the clone").

    The line equal to `context_line` whose neighbours best match `pre_context`/`post_context`
    is `relocated`; a tie or weak context gives `unverified` at the nearest such line; without
    any context the reported line is `unverified`; if the line's text is gone, a strong match
    of its neighbours is `changed`, else it is `deleted`.
    """
    index = line - 1
    if context is None or context.empty or context.context_line is None:
        if context is not None and not context.empty:
            return _place_by_window(new, index, context)
        if 0 <= index < len(new):
            return Placement(PlacementKind.UNVERIFIED, index)
        return DELETED
    wanted = normalize(context.context_line)
    candidates = [j for j, text in enumerate(new) if same_text(text, wanted)] if wanted else []
    if not wanted:
        # A blank crashing line says nothing; only the reported line can be offered.
        if 0 <= index < len(new) and not normalize(new[index]):
            return Placement(PlacementKind.UNVERIFIED, index)
        return _place_by_window(new, index, context)
    if not candidates:
        return _place_by_window(new, index, context)
    pre = [normalize(s) for s in context.pre_context]
    post = [normalize(s) for s in context.post_context]
    found = _best_unique(new, candidates, pre, post)
    if found is not None and (found[1] >= CONTEXT_THRESHOLD or not pre and not post):
        return Placement(PlacementKind.RELOCATED, found[0])
    nearest = min(candidates, key=lambda j: (abs(j - index), j))
    return Placement(PlacementKind.UNVERIFIED, nearest)


def _place_by_window(new: Sequence[str], index: int, context: FrameContext) -> Placement:
    """The crashing line's text is gone: vote with its neighbours for where it would be."""
    pre = [normalize(s) for s in context.pre_context]
    post = [normalize(s) for s in context.post_context]
    total = len(pre) + len(post)
    if total == 0:
        return DELETED
    positions: dict[str, list[int]] = {}
    for j, text in enumerate(new):
        positions.setdefault(normalize(text), []).append(j)
    votes: Counter[int] = Counter()
    offsets = [(-o, s) for o, s in enumerate(reversed(pre), start=1)]
    offsets += [(o, s) for o, s in enumerate(post, start=1)]
    for offset, wanted in offsets:
        if wanted:  # blank lines vote everywhere; they only count in the total
            for j in positions.get(wanted, ()):
                votes[j - offset] += 1
    if not votes:
        return DELETED
    top = max(votes.values())
    candidates = [j for j, count in votes.items() if count == top and 0 <= j < len(new)]
    found = _best_unique(new, candidates, pre, post) if candidates else None
    if found is None or found[1] < WINDOW_THRESHOLD:
        return DELETED
    if context.context_line is not None and (
        similarity(normalize(context.context_line), normalize(new[found[0]])) < SIMILAR
    ):
        return DELETED  # the neighbours agree, but the line between them is other code
    return Placement(PlacementKind.CHANGED, found[0])
