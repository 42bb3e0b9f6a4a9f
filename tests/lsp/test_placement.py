"""Line placement tables (docs/placement.md) and a property test over random edits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from railguard.lsp.core.contextmatch import place_by_context
from railguard.lsp.core.linemap import Hunk, LineMap, diff_hunks, split_lines
from railguard.lsp.core.linerules import DELETED, FrameContext, Placement, PlacementKind

EXACT = PlacementKind.EXACT
CHANGED = PlacementKind.CHANGED
RELOCATED = PlacementKind.RELOCATED
UNVERIFIED = PlacementKind.UNVERIFIED

BASE = [
    "import os",
    "",
    "def load(path):",
    "    with open(path) as f:",
    "        return f.read()",
    "",
    "def parse(text):",
    "    rows = text.split(',')",
    "    total = int(rows[0])",  # line 9: the crash
    "    return total / len(rows)",
    "",
    "def main():",
    "    print(parse(load(os.environ['F'])))",
    "",
    "if __name__ == '__main__':",
    "    main()",
]
CRASH = 9  # 1-based, "total = int(rows[0])"


def text(lines: list[str], eol: str = "\n") -> str:
    return "".join(line + eol for line in lines)


def edited(*ops: tuple[str, int, list[str]]) -> list[str]:
    """Apply (op, 0-based index, lines) to a copy of BASE, last op first."""
    out = list(BASE)
    for op, at, lines in reversed(ops):
        if op == "insert":
            out[at:at] = lines
        elif op == "delete":
            del out[at : at + len(lines)]
        elif op == "replace":
            out[at : at + len(lines)] = lines
    return out


MOVED_PARSE = BASE[:6] + BASE[11:] + [""] + BASE[6:10]  # parse() moved to the end

ENGINES = ["pygit2", "difflib"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("new", "line", "expected"),
    [
        pytest.param(BASE, CRASH, Placement(EXACT, 8), id="unchanged"),
        pytest.param(
            edited(("insert", 1, ["import sys", "import json", "", "# a comment"])),
            CRASH,
            Placement(EXACT, 12),
            id="insertions-above",
        ),
        pytest.param(
            edited(("delete", 0, ["import os", ""])),
            CRASH,
            Placement(EXACT, 6),
            id="deletions-above",
        ),
        pytest.param(
            edited(("insert", 0, ["x = 1"]), ("delete", 3, ["    with open(path) as f:"])),
            CRASH,
            Placement(EXACT, 8),
            id="insert-and-delete-above-cancel-out",
        ),
        pytest.param(
            edited(("insert", 10, ["", "def extra():", "    pass"])),
            CRASH,
            Placement(EXACT, 8),
            id="insertions-below",
        ),
        pytest.param(
            edited(("insert", 8, ["    rows = [r for r in rows if r]"])),
            CRASH,
            Placement(EXACT, 9),
            id="insertion-directly-above",
        ),
        pytest.param(
            edited(("replace", 8, ["    total = int(rows[0] or 0)"])),
            CRASH,
            Placement(CHANGED, 8),
            id="edit-of-the-line-itself",
        ),
        pytest.param(
            edited(
                ("insert", 0, ["# header"]),
                ("replace", 7, ["    rows = text.split(';')", "    total = int(rows[0])  # safe"]),
            ),
            CRASH,
            Placement(CHANGED, 9),
            id="edit-inside-multi-line-hunk-picks-most-similar",
        ),
        pytest.param(
            edited(("delete", 8, ["    total = int(rows[0])"])), CRASH, DELETED, id="line-deleted"
        ),
        pytest.param(
            edited(("delete", 6, BASE[6:10])), CRASH, DELETED, id="whole-function-deleted"
        ),
        pytest.param(MOVED_PARSE, CRASH, Placement(RELOCATED, 14), id="moved-block"),
        pytest.param(
            MOVED_PARSE, 1, Placement(EXACT, 0), id="moved-block-leaves-other-lines-exact"
        ),
        pytest.param(BASE, 99, DELETED, id="line-beyond-old-file-without-context"),
        pytest.param([], CRASH, DELETED, id="buffer-emptied"),
    ],
)
def test_place(engine: str, new: list[str], line: int, expected: Placement) -> None:
    assert LineMap(BASE, new, engine=engine).place(line) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("old_text", "new_text", "line", "expected"),
    [
        pytest.param(
            text(BASE, "\r\n"),
            text(["# new first line", *BASE], "\r\n"),
            CRASH,
            Placement(EXACT, 9),
            id="crlf-both",
        ),
        pytest.param(
            text(BASE), text(BASE, "\r\n"), CRASH, Placement(EXACT, 8), id="lf-commit-crlf-worktree"
        ),
        pytest.param(
            text(BASE, "\r\n"),
            text(BASE, "\r\n").replace("rows[0])", "rows[1])"),
            CRASH,
            Placement(CHANGED, 8),
            id="crlf-line-edited",
        ),
        pytest.param("", text(BASE), 1, Placement(EXACT, 0), id="empty-file-at-commit-falls-back"),
        pytest.param(text(BASE), "", CRASH, DELETED, id="empty-buffer"),
        pytest.param("", "", 1, DELETED, id="both-empty"),
        pytest.param(
            text(BASE).rstrip("\n"), text(BASE), CRASH, Placement(EXACT, 8), id="no-final-newline"
        ),
    ],
)
def test_place_texts(old_text: str, new_text: str, line: int, expected: Placement) -> None:
    old, new = split_lines(old_text), split_lines(new_text)
    context = FrameContext(context_line="import os") if line == 1 else None
    if expected.kind is EXACT and not old:
        # The file did not exist at the commit: only the frame's text can place it.
        assert LineMap(old, new).place(line, context).kind is RELOCATED
        return
    assert LineMap(old, new).place(line, context) == expected


def crash_context(line: int = CRASH, size: int = 3) -> FrameContext:
    i = line - 1
    return FrameContext(
        context_line=BASE[i],
        pre_context=tuple(BASE[max(0, i - size) : i]),
        post_context=tuple(BASE[i + 1 : i + 1 + size]),
    )


DUPLICATED = BASE[:11] + ["def parse2(text):", *BASE[7:10], "", *BASE[11:]]


@pytest.mark.parametrize(
    ("new", "line", "context", "expected"),
    [
        pytest.param(BASE, CRASH, crash_context(), Placement(RELOCATED, 8), id="in-place"),
        pytest.param(
            ["import sys", *BASE], CRASH, crash_context(), Placement(RELOCATED, 9), id="shifted"
        ),
        pytest.param(
            [line.replace("    ", "\t") for line in BASE],
            CRASH,
            crash_context(),
            Placement(RELOCATED, 8),
            id="reindented-still-matches",
        ),
        pytest.param(MOVED_PARSE, CRASH, crash_context(), Placement(RELOCATED, 14), id="moved"),
        pytest.param(
            DUPLICATED,
            CRASH,
            FrameContext(context_line=BASE[8], pre_context=(BASE[7],), post_context=(BASE[9],)),
            Placement(UNVERIFIED, 8),
            id="ambiguous-context-unverified-nearest",
        ),
        pytest.param(
            DUPLICATED,
            CRASH,
            crash_context(size=5),
            Placement(RELOCATED, 8),
            id="wider-context-decides",
        ),
        pytest.param(BASE, CRASH, None, Placement(UNVERIFIED, 8), id="no-context-reported-line"),
        pytest.param(BASE, CRASH, FrameContext(), Placement(UNVERIFIED, 8), id="empty-context"),
        pytest.param(BASE, 99, None, DELETED, id="no-context-line-beyond-file"),
        pytest.param(
            edited(("replace", 8, ["    total = sum(map(int, rows))"])),
            CRASH,
            crash_context(),
            Placement(CHANGED, 8),
            id="line-edited-neighbours-agree",
        ),
        pytest.param(
            edited(("delete", 6, BASE[6:10])), CRASH, crash_context(), DELETED, id="deleted"
        ),
        pytest.param(
            [
                *BASE[:8],
                "    total = int(rows[0])  # type: ignore[index] and a very long tail",
                *BASE[9:],
            ],
            CRASH,
            FrameContext(context_line="    total = int(rows[0])  # type: ignore..."),
            Placement(RELOCATED, 8),
            id="truncated-context-line-prefix",
        ),
        pytest.param([], CRASH, crash_context(), DELETED, id="empty-buffer"),
    ],
)
def test_place_commit_missing(
    new: list[str], line: int, context: FrameContext | None, expected: Placement
) -> None:
    assert place_by_context(new, line, context) == expected


def test_frame_text_disagreeing_with_commit_uses_context() -> None:
    """A frame whose context_line is not the commit's line: the commit is the wrong one."""
    old = ["unrelated"] * 20
    assert LineMap(old, BASE).place(CRASH, crash_context()) == Placement(RELOCATED, 8)


def test_batch_matches_single() -> None:
    new = edited(("insert", 0, ["a", "b"]), ("replace", 8, ["x"]), ("delete", 11, [BASE[11]]))
    mapping = LineMap(BASE, new)
    lines = [(n, None) for n in range(1, len(BASE) + 1)]
    assert mapping.place_many(lines) == [mapping.place(n) for n, _ in lines]


def test_hunks_are_zero_based_half_open() -> None:
    assert diff_hunks(["a", "b"], ["a", "x", "b"]) == [Hunk(1, 0, 1, 1)]
    assert diff_hunks(["a", "b"], ["b"]) == [Hunk(0, 1, 0, 0)]
    assert diff_hunks(["a", "b"], ["a", "c"], engine="difflib") == [Hunk(1, 1, 1, 1)]


def test_binary_text_falls_back_to_difflib() -> None:
    assert diff_hunks(["a\0", "b"], ["a\0", "c"]) == [Hunk(1, 1, 1, 1)]


@pytest.mark.parametrize(
    ("raw", "lines"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("a", ["a"], id="no-final-break"),
        pytest.param("a\r\nb\rc\n", ["a", "b", "c"], id="mixed-breaks"),
        pytest.param("\n", [""], id="one-blank-line"),
    ],
)
def test_split_lines(raw: str, lines: list[str]) -> None:
    assert split_lines(raw) == lines


# --- property: every exact mapping lands on an identical line --------------------------------

WORDS = st.sampled_from(["", "x = 1", "return x", "}", "pass", "if a:", "    y()", "# c"])
EDIT = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "move"]),
    st.integers(0, 60),
    st.lists(WORDS, min_size=1, max_size=6),
)


def apply_script(lines: list[str], script: list[tuple[str, int, list[str]]]) -> list[str]:
    out = list(lines)
    for op, at, chunk in script:
        at = at % (len(out) + 1)
        if op == "insert":
            out[at:at] = chunk
        elif op == "delete":
            del out[at : at + len(chunk)]
        elif op == "replace":
            out[at : at + len(chunk)] = chunk
        else:
            block = out[at : at + len(chunk)]
            del out[at : at + len(chunk)]
            dest = (at * 7 + 3) % (len(out) + 1)
            out[dest:dest] = block
    return out


@settings(max_examples=300, deadline=None)
@given(
    old=st.lists(WORDS, max_size=60),
    script=st.lists(EDIT, max_size=8),
    engine=st.sampled_from(ENGINES),
)
def test_exact_and_relocated_land_on_identical_lines(
    old: list[str], script: list[tuple[str, int, list[str]]], engine: str
) -> None:
    new = apply_script(old, script)
    mapping = LineMap(old, new, engine=engine)  # type: ignore[arg-type]
    for number, placement in enumerate(
        mapping.place_many((n, None) for n in range(1, len(old) + 1)), 1
    ):
        if placement.kind in (EXACT, RELOCATED):
            assert placement.line is not None
            assert new[placement.line].strip() == old[number - 1].strip()
            if placement.kind is EXACT:
                assert new[placement.line] == old[number - 1]
        elif placement.kind is PlacementKind.DELETED:
            assert placement.line is None
        else:
            assert placement.line is not None and 0 <= placement.line < len(new)
