"""Line placement: where a line of the deployed commit sits in the buffer's current text.

Pure code (stdlib and pygit2 only); the rules are docs/placement.md. One diff from the file at
the incident's commit to the *current buffer text* covers commits since the deploy, uncommitted
changes and unsaved edits at once. A line is then:

- `exact`: outside every hunk, so it is the identical line, however much moved around it (or a
  moved line whose text and surroundings came along unchanged);
- `relocated`: the same text found again elsewhere (a moved block, `moves.Moves`, or the commit
  is missing locally and the frame's `context_line`/`pre_context`/`post_context` located it);
- `changed`: removed, and a replacement line nearby is plausibly its edited form (similarity
  at least `SIMILAR`); shown there, as stale;
- `unverified`: the commit is missing and nothing better than the reported line is known;
- `deleted`: gone, with no edited form; never shown on some other line (the incident is still
  listed, as not placed).

Lines in are 1-based (as in stack frames); lines out are 0-based (as in LSP positions).
Without the commit's text, `contextmatch.place_by_context` places by the frame's own context;
the kinds and the line-text rules both use are `linerules`.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pygit2

from railguard.lsp.core.contextmatch import place_by_context
from railguard.lsp.core.linerules import (
    SIMILAR,
    FrameContext,
    Placement,
    PlacementKind,
    normalize,
    same_text,
    similarity,
)
from railguard.lsp.core.moves import Moves

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
#: Hunks bigger than this are not searched for the most similar replacement line.
SIMILARITY_LIMIT = 200
#: Lines searched each side of a removed line's own offset for its edited form: an edit
#: stays near where the line was, and a big rewritten hunk must not cost a scan per line.
SEARCH_RADIUS = 40
Engine = Literal["pygit2", "difflib"]


@dataclass(frozen=True, slots=True)
class Hunk:
    """Old lines `[old_start, old_start + old_len)` became new `[new_start, new_start + new_len)`.

    Both are 0-based and half-open, so a pure insertion (`old_len == 0`) sits *before* old
    line `old_start`; this avoids git's 1-based "insert after" convention leaking further.
    """

    old_start: int
    old_len: int
    new_start: int
    new_len: int


def split_lines(text: str) -> list[str]:
    """Split like LSP does (`\\r\\n`, `\\r`, `\\n`), without terminators; a final break starts
    no extra line, and the empty text has no lines."""
    if not text:
        return []
    # Without a carriage return only "\n" breaks lines, and str.split is ten times faster.
    lines = text.split("\n") if "\r" not in text else _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


# --- diff engines ----------------------------------------------------------------------------


def diff_hunks(old: Sequence[str], new: Sequence[str], *, engine: Engine = "pygit2") -> list[Hunk]:
    """Hunks turning `old` into `new` (lists of lines without terminators), in old-line order."""
    if engine == "pygit2":
        hunks = _pygit2_hunks(old, new)
        if hunks is not None:
            return hunks
    return _difflib_hunks(old, new)


def _pygit2_hunks(old: Sequence[str], new: Sequence[str]) -> list[Hunk] | None:
    """libgit2's xdiff, the same hunks as `git diff -U0`; None when it cannot diff the texts."""
    try:
        patch = pygit2.Patch.create_from(_join(old), _join(new), context_lines=0)
    except (UnicodeError, ValueError, pygit2.GitError):
        return None
    if patch.delta.is_binary:  # a NUL byte: libgit2 gives no hunks at all
        return None
    return [
        Hunk(
            h.old_start - 1 if h.old_lines else h.old_start,
            h.old_lines,
            h.new_start - 1 if h.new_lines else h.new_start,
            h.new_lines,
        )
        for h in patch.hunks
    ]


def _join(lines: Sequence[str]) -> bytes:
    # Always end with a break so that "no newline at end of file" never counts as a change.
    text = "\n".join(lines) + "\n" if lines else ""
    return text.encode("utf-8", "surrogatepass")


def _difflib_hunks(old: Sequence[str], new: Sequence[str]) -> list[Hunk]:
    """difflib after trimming the common prefix and suffix (untrimmed it takes ~1 s on 5k
    lines); `autojunk=False`, or blank and brace lines in big files count as junk."""
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    a = old[prefix : len(old) - suffix]
    b = new[prefix : len(new) - suffix]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [
        Hunk(prefix + i1, i2 - i1, prefix + j1, j2 - j1)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


# --- mapping through one diff ----------------------------------------------------------------


class LineMap:
    """One diff from the file at a commit to the current text; places many lines cheaply.

    Build it once per (file, commit, document version); `place` is O(log hunks) per line plus
    a small text search for lines inside hunks.
    """

    def __init__(
        self,
        old: Sequence[str],
        new: Sequence[str],
        *,
        engine: Engine = "pygit2",
        hunks: Sequence[Hunk] | None = None,
    ) -> None:
        self.old = old
        self.new = new
        self.hunks: list[Hunk] = list(
            hunks if hunks is not None else diff_hunks(old, new, engine=engine)
        )
        self._starts = [h.old_start for h in self.hunks]
        self._delta_through: list[int] = []
        delta = 0
        for h in self.hunks:
            delta += h.new_len - h.old_len
            self._delta_through.append(delta)
        self._moves: Moves | None = None
        # Lines can have moved only when the diff both removed and inserted some.
        self._can_move = any(h.old_len for h in self.hunks) and any(h.new_len for h in self.hunks)

    def place_many(self, lines: Iterable[tuple[int, FrameContext | None]]) -> list[Placement]:
        """`place` for each (1-based line, context) pair, in the same order."""
        return [self.place(line, context) for line, context in lines]

    def place(self, line: int, context: FrameContext | None = None) -> Placement:
        """Where the 1-based `line` of the old text is in the new text."""
        index = line - 1
        if not 0 <= index < len(self.old) or (
            context is not None
            and context.context_line is not None
            and not same_text(self.old[index], normalize(context.context_line))
        ):
            # The frame does not describe this file at this commit (wrong commit attribution
            # or path): trust only the frame's own text.
            return place_by_context(self.new, line, context)
        k = bisect.bisect_right(self._starts, index) - 1
        if k >= 0:
            hunk = self.hunks[k]
            if index < hunk.old_start + hunk.old_len:
                return self._place_in_hunk(index, hunk)
        if self._can_move:
            moved = self._moved().get(index)
            if moved is not None:  # the diff kept it, but its block moved (`moves.Moves`)
                return self._found_moved(index, moved)
        return Placement(PlacementKind.EXACT, index + (self._delta_through[k] if k >= 0 else 0))

    def _found_moved(self, index: int, found: int) -> Placement:
        exact = self._moved().same_surroundings(index, found)
        return Placement(PlacementKind.EXACT if exact else PlacementKind.RELOCATED, found)

    def _place_in_hunk(self, index: int, hunk: Hunk) -> Placement:
        """A line the diff replaced or removed: moved (found again across the file), changed
        (a replacement line that is plausibly its edited form), else not placed."""
        moves = self._moved()
        found = moves.get(index)
        if found is not None:
            return self._found_moved(index, found)
        edited = self._edited_form(index, hunk, moves)
        if edited is not None:
            return Placement(PlacementKind.CHANGED, edited)
        near = min(hunk.new_start, len(self.new) - 1)
        return Placement(PlacementKind.DELETED, None, near if near >= 0 else None)

    def _moved(self) -> Moves:
        if self._moves is None:
            self._moves = Moves(
                self.old,
                self.new,
                ((h.old_start, h.old_len, h.new_start, h.new_len) for h in self.hunks),
            )
        return self._moves

    def _edited_form(self, index: int, hunk: Hunk, moves: Moves) -> int | None:
        """The replacement line most like the old one (similarity at least `SIMILAR`), looked
        for between the new places of its nearest placed neighbours (its hunk, or inside a
        moved block); None when no line there is plausibly its edited form."""
        wanted = normalize(self.old[index])
        if not wanted:
            return None  # a blank line has no edited form to recognise
        above = index - 1
        while above >= hunk.old_start and above not in moves:
            above -= 1
        below = index + 1
        while below < hunk.old_start + hunk.old_len and below not in moves:
            below += 1
        lo = moves.pairs[above] if above >= hunk.old_start else hunk.new_start - 1
        hi = (
            moves.pairs[below]
            if below < hunk.old_start + hunk.old_len
            else hunk.new_start + hunk.new_len
        )
        if not 0 < hi - lo - 1 <= SIMILARITY_LIMIT:
            lo, hi = hunk.new_start - 1, hunk.new_start + hunk.new_len
            above, below = hunk.old_start - 1, hunk.old_start + hunk.old_len
            if not 0 < hunk.new_len <= SIMILARITY_LIMIT:
                return None
        # Where it would be, counted from the neighbour above and from the one below.
        guesses = (lo + (index - above), hi - (below - index))

        def distance(j: int) -> int:
            return min(abs(j - guesses[0]), abs(j - guesses[1]))

        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(wanted)
        best, best_ratio = None, SIMILAR
        for j in range(lo + 1, hi):
            text = moves.inserted.get(j)
            if text is None or j in moves.claimed or distance(j) > SEARCH_RADIUS:
                continue  # taken by another old line, or too far from where it was
            matcher.set_seq1(text)
            if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
                ratio = matcher.ratio()
                if ratio > best_ratio or (
                    ratio == best_ratio and (best is None or distance(j) < distance(best))
                ):
                    best, best_ratio = j, ratio
        if best is not None and similarity(wanted, moves.inserted[best]) < SIMILAR:
            return None  # difflib's ratio depends on the order; both must agree
        return best
