"""Where the lines inside a diff's hunks went: moved code found across the whole file.

Pure code (stdlib only; the hunks come in as plain tuples). A line-based diff lines up short
common lines (`(`, `],`, blank lines) and so cuts a moved block into many small hunks; looking
for a removed line only inside its own hunk misses it. `Moves` pairs removed lines (old lines
inside hunks) with inserted lines (new lines inside hunks) over the whole file, in three steps
(the rules are in docs/placement.md, "Moved lines"):

1. *anchors*: a text removed exactly once and inserted exactly once pairs when it moved at most
   `CONTEXT` lines (a reordering), when it is distinctive (at least `DISTINCT` letters and
   digits, git's own threshold for a moved line), or when one of its neighbours came along;
2. *context*: a text removed or inserted more than once pairs with the copy whose neighbours
   (`CONTEXT` lines each side, the lines a Sentry SDK sends with a frame) agree best, at least
   `MIN_HITS` of them, when no other new copy does as well (old copies tied for one new copy
   all pair with it: identical code merged into one place);
3. *extension*: from every pair, the lines next to it on both sides pair while they are equal
   (blank and bracket lines included), as patience diff grows its anchors.

All pairs are found at once when the map is first asked about a line inside a hunk, so an
answer never depends on which lines were asked before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Letters and digits that make a line distinctive enough to pair without neighbours; git's
#: move detection (`blame -M`, `diff --color-moved`) uses the same 20.
DISTINCT = 20
#: Neighbours compared on each side of a line (Sentry SDKs send 5 lines of context each side).
CONTEXT = 5
#: Non-blank neighbours that must agree to pair a line whose text is not unique.
MIN_HITS = 2
#: Copies of one text beyond which the context step does not try every pairing, and the
#: pairings it tries in one diff at most: a pathological diff stays cheap, and what is tried is
#: fixed by the diff alone (never by which lines were asked about).
MAX_GROUP = 100
PAIRING_BUDGET = 20_000

#: One hunk as (old_start, old_len, new_start, new_len), 0-based and half-open.
HunkSpan = tuple[int, int, int, int]


def norm(line: str) -> str:
    """Whitespace-insensitive form of a line."""
    return " ".join(line.split())


_NOT_WORD = str.maketrans("", "", "".join(c for c in map(chr, range(128)) if not c.isalnum()))


def weight(text: str) -> int:
    """Letters and digits in a line (any non-ASCII character counts as one): how much it says
    about where it is."""
    return len(text.translate(_NOT_WORD))


class Moves:
    """Pairs of (old line, new line) inside hunks that are the same line, moved."""

    def __init__(self, old: Sequence[str], new: Sequence[str], hunks: Iterable[HunkSpan]) -> None:
        self.old = old
        self.new = new
        self.removed: dict[int, str] = {}
        self.inserted: dict[int, str] = {}
        #: Where each removed line would be had its hunk only changed lines in place.
        self.expected: dict[int, int] = {}
        for old_start, old_len, new_start, new_len in hunks:
            for i in range(old_start, old_start + old_len):
                self.removed[i] = norm(old[i])
                self.expected[i] = new_start + i - old_start
            for j in range(new_start, new_start + new_len):
                self.inserted[j] = norm(new[j])
        self.pairs: dict[int, int] = {}
        self.claimed: set[int] = set()
        self._old_norm: dict[int, str] = {}
        self._new_norm: dict[int, str] = {}
        self._budget = PAIRING_BUDGET
        if self.removed and self.inserted:
            self._pair_all()

    def __contains__(self, index: int) -> bool:
        return index in self.pairs

    def get(self, index: int) -> int | None:
        return self.pairs.get(index)

    # --- building ------------------------------------------------------------------------

    def _pair_all(self) -> None:
        olds: dict[str, list[int]] = {}
        news: dict[str, list[int]] = {}
        for i, text in self.removed.items():
            if text:
                olds.setdefault(text, []).append(i)
        for j, text in self.inserted.items():
            if text:
                news.setdefault(text, []).append(j)
        groups: list[str] = []
        for text, at_old in olds.items():
            at_new = news.get(text)
            if not at_new:
                continue
            if len(at_old) == 1 and len(at_new) == 1:
                i, j = at_old[0], at_new[0]
                if (
                    abs(j - self.expected[i]) <= CONTEXT
                    or (len(text) >= DISTINCT and weight(text) >= DISTINCT)
                    or self.hits(i, j) >= 1
                ):
                    self._pair(i, j)
            else:
                groups.append(text)
        for i, j in list(self.pairs.items()):
            self._extend(i, j)
        for text in groups:
            self._pair_group(olds[text], news[text])
        for i, j in list(self.pairs.items()):
            self._extend(i, j)

    def _pair(self, i: int, j: int) -> None:
        self.pairs[i] = j
        self.claimed.add(j)

    def _extend(self, i: int, j: int) -> None:
        """Grow a pair into the block it belongs to. An old line outside every hunk joins too
        when the block's copy of it is an inserted line: the diff lined up a short common line
        (`(`, `),`, a docstring's quotes) with another copy of it, cutting the moved block up."""
        for step in (-1, 1):
            a, b = i + step, j + step
            while (
                0 <= a < len(self.old)
                and a not in self.pairs
                and b not in self.claimed
                and b in self.inserted
                and self.old_norm(a) == self.inserted[b]
            ):
                self._pair(a, b)
                a, b = a + step, b + step

    def _pair_group(self, at_old: list[int], at_new: list[int]) -> None:
        """Copies of one text: pair each old copy with the new copy whose neighbours agree
        best (greedy, best score first). An old copy with two equally good new copies stays
        unpaired; several old copies equally good for one new copy all pair with it (identical
        code merged into one place, such as two handlers folded into a decorator)."""
        free_old = [i for i in at_old if i not in self.pairs]
        free_new = [j for j in at_new if j not in self.claimed]
        tries = len(free_old) * len(free_new)
        if not tries or tries > MAX_GROUP or tries > self._budget:
            return
        self._budget -= tries
        best: dict[int, list[tuple[int, int]]] = {}
        for i in free_old:
            for j in free_new:
                score = self.hits(i, j)
                if score >= MIN_HITS:
                    best.setdefault(i, []).append((score, j))
        merged: dict[int, int] = {}  # new copy -> the score it was taken with
        order = sorted(best, key=lambda i: (-max(best[i])[0], i))
        for i in order:
            top = max(score for score, _ in best[i])
            choices = [j for score, j in best[i] if score == top]
            open_choices = [j for j in choices if j not in self.claimed or merged.get(j) == top]
            if len(choices) != 1 or len(open_choices) != 1:
                continue  # two places fit as well: where it went is not known
            j = choices[0]
            if j in self.claimed:
                self.pairs[i] = j  # merged with an equally good old copy
            else:
                self._pair(i, j)
                merged[j] = top

    # --- neighbours ----------------------------------------------------------------------

    def old_norm(self, i: int) -> str:
        text = self.removed.get(i)
        if text is None:
            text = self._old_norm.get(i)
            if text is None:
                text = self._old_norm[i] = norm(self.old[i])
        return text

    def new_norm(self, j: int) -> str:
        text = self.inserted.get(j)
        if text is None:
            text = self._new_norm.get(j)
            if text is None:
                text = self._new_norm[j] = norm(self.new[j])
        return text

    def hits(self, i: int, j: int) -> int:
        """Non-blank neighbours of old line `i` found at the same offsets around new line `j`
        (blank lines are everywhere and count for nothing)."""
        count = 0
        for offset in range(-CONTEXT, CONTEXT + 1):
            a, b = i + offset, j + offset
            if offset == 0 or not (0 <= a < len(self.old) and 0 <= b < len(self.new)):
                continue
            wanted = self.old_norm(a)
            if wanted and wanted == self.new_norm(b):
                count += 1
        return count

    def same_surroundings(self, i: int, j: int) -> bool:
        """The line and `CONTEXT` lines each side are identical, character for character."""
        for offset in range(-CONTEXT, CONTEXT + 1):
            a, b = i + offset, j + offset
            inside_old = 0 <= a < len(self.old)
            if inside_old != (0 <= b < len(self.new)):
                return False
            if inside_old and self.old[a] != self.new[b]:
                return False
        return True
