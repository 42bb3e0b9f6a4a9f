"""Placement of moved code and removed lines (docs/placement.md): tables built from small
excerpts shaped like the real cases, and properties over random edit scripts."""

from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from railguard.lsp.core.contextmatch import place_by_context
from railguard.lsp.core.linemap import LineMap
from railguard.lsp.core.linerules import SIMILAR, FrameContext, Placement, PlacementKind, normalize
from railguard.lsp.core.moves import DISTINCT, weight

EXACT = PlacementKind.EXACT
CHANGED = PlacementKind.CHANGED
RELOCATED = PlacementKind.RELOCATED
DELETED = PlacementKind.DELETED

# --- a parametrize block moved past new code made of the same short lines ---------------------

PARAMS = [
    "@pytest.mark.parametrize(",
    '    "given,idna,host,raw_host,scheme,port",',
    "    [",
    "        (",
    '            "http://www.xn--fiqs8s.com:80/",',
    '            "http://www.中国.com:80/",',
    "        ),",
    "        (",
    '            "https://faß.de/",',
    '            "https://xn--fa-hia.de/",',
    "        ),",
    "    ],",
    ")",
    "def test_idna_url(given, idna, host):",
    "    url = httpx.URL(given)",
    "    assert url.host == host",
    "",
    "",
]
TESTS = [
    "def test_url_params():",
    "    url = httpx.URL(",
    '        "https://example.org:123/path/to/somewhere",',
    '        params={"a": "123"},',
    "    )",
    "    assert str(url) == 'https://example.org:123/path/to/somewhere?a=123'",
    "",
    "",
    "def test_url_join():",
    "    url = httpx.URL(",
    '        "https://example.org:123/path/to/somewhere",',
    "    )",
    '    assert url.join("/x") == "https://example.org:123/x"',
    "",
    "",
]
ADDED = [
    "@pytest.mark.parametrize(",
    '    "url,expected",',
    "    [",
    "        (",
    '            "https://example.org/",',
    '            "example.org",',
    "        ),",
    "    ],",
    ")",
    "def test_url_host(url, expected):",
    "    assert httpx.URL(url).host == expected",
    "",
    "",
]
URL_OLD = ["import httpx", "import pytest", "", "", *PARAMS, *TESTS]
URL_NEW = ["import httpx", "import pytest", "", "", *ADDED, *TESTS, *PARAMS]
MOVED_TO = 4 + len(ADDED) + len(TESTS)  # where PARAMS starts now (0-based)

# --- a line moved into another method, far away ------------------------------------------------

HELPERS = [
    line for n in range(30) for line in (f"    def helper_{n}(self):", f"        return {n}")
]

CTX_OLD = [
    "class AppContext:",
    "    def __init__(self, app):",
    "        self.app = app",
    "        self.url_adapter = app.create_url_adapter(None)",
    "        self.g: _AppCtxGlobals = app.app_ctx_globals_class()",
    "        self._cv_tokens = []",
    "",
    *HELPERS,
    "",
    "    def push(self):",
    "        self._cv_tokens.append(_cv_app.set(self))",
]
CTX_NEW = [
    "class AppContext:",
    "    def __init__(self, app, *, request=None):",
    "        self.app = app",
    "        self._request = request",
    "        self._cv_tokens = []",
    "",
    *HELPERS,
    "",
    "    def push(self):",
    "        self.url_adapter = self.app.create_url_adapter(self._request)",
    "        self.g: _AppCtxGlobals = app.app_ctx_globals_class()",
    "        self._cv_tokens.append(_cv_app.set(self))",
]

# --- an import moved two lines down by sorting -------------------------------------------------

IMPORTS_OLD = [
    "import threading",
    "import time",
    "",
    "import pytest",
    "from tests.testserver.server import Server",
    "",
    "import requests",
    "",
    "",
    "class TestTestServer:",
    "    def test_basic(self):",
    "        assert Server",
]
IMPORTS_NEW = [*IMPORTS_OLD[:4], "", "import requests", IMPORTS_OLD[4], *IMPORTS_OLD[7:]]
SHORT_OLD = ["import typing", "import sys", "", "x = typing.cast(int, sys.argv)"]
SHORT_NEW = ["import sys", "import typing", "", "x = typing.cast(int, sys.argv)"]

# --- removed lines whose replacement is other code ----------------------------------------------

OPEN_OLD = [
    "    def open_resource(self, resource, mode='rb'):",
    '        """Open a resource file relative to the root path.',
    "",
    "        :param resource: the path of the resource.",
    '        """',
    "        if mode not in {'r', 'rt', 'rb'}:",
    "            raise ValueError('Resources can only be opened for reading.')",
    "        return open(os.path.join(self.root_path, resource), mode)",
]
OPEN_NEW = [
    "    def open_resource(self, resource, mode='rb', encoding='utf-8'):",
    "        if mode not in {'r', 'rt', 'rb'}:",
    "            raise ValueError('Resources can only be opened for reading.')",
    "        path = os.path.join(self.root_path, resource)",
    "        return open(path, mode, encoding=encoding)",
]
SETUP_OLD = [
    "from setuptools import setup",
    "",
    "setup(",
    "    name='Flask',",
    "    install_requires=[",
    "        'Werkzeug>=2.0',",
    "    ],",
    ")",
]
SETUP_NEW = ["from setuptools import setup", "", "setup()"]

# --- a typed block (ending with a blank line) next to committed changes -------------------------

SCRIPT = [
    "#!/usr/bin/env python",
    '"""Run the nightly export."""',
    "",
    "import os",
    "",
    "",
    "def main():",
    "    path = os.environ['EXPORT_PATH']",
]
TYPED = ["# check the value before using it", "value = compute()", ""]
BLANK_REMOVED_THEN_TYPED = SCRIPT[:1] + TYPED + SCRIPT[1:2] + SCRIPT[3:]
SHEBANG_REMOVED_THEN_TYPED = TYPED + SCRIPT[1:]
LINE_REPLACED_BY_ITS_EDIT = [*SCRIPT[:7], "    path = os.environ.get('EXPORT_PATH', '.')"]
LINE_REPLACED_BY_OTHER_CODE = [*SCRIPT[:7], *TYPED]


def at(kind: PlacementKind, line: int | None) -> Placement:
    return Placement(kind, line)


@pytest.mark.parametrize(
    ("old", "new", "line", "expected"),
    [
        pytest.param(
            URL_OLD, URL_NEW, 6, at(RELOCATED, MOVED_TO + 1), id="moved-block-cut-by-short-lines"
        ),
        pytest.param(URL_OLD, URL_NEW, 18, at(RELOCATED, MOVED_TO + 13), id="moved-block-def-line"),
        pytest.param(
            URL_OLD, URL_NEW, 15, at(EXACT, MOVED_TO + 10), id="short-line-the-diff-gave-elsewhere"
        ),
        pytest.param(URL_OLD, URL_NEW, 23, at(EXACT, 4 + len(ADDED)), id="unmoved-after-block"),
        pytest.param(CTX_OLD, CTX_NEW, 5, at(RELOCATED, 69), id="line-moved-to-another-method"),
        pytest.param(CTX_OLD, CTX_NEW, 4, at(CHANGED, 68), id="line-moved-and-edited"),
        pytest.param(CTX_OLD, CTX_NEW, 6, at(EXACT, 4), id="neighbour-kept"),
        pytest.param(IMPORTS_OLD, IMPORTS_NEW, 5, at(RELOCATED, 6), id="import-reordered"),
        pytest.param(SHORT_OLD, SHORT_NEW, 1, at(RELOCATED, 1), id="short-line-swapped"),
        pytest.param(
            OPEN_OLD, OPEN_NEW, 2, DELETED_AT := at(DELETED, None), id="docstring-gone-not-on-code"
        ),
        pytest.param(OPEN_OLD, OPEN_NEW, 8, at(CHANGED, 3), id="line-split-changed-on-most-like"),
        pytest.param(OPEN_OLD, OPEN_NEW, 6, at(EXACT, 1), id="unchanged-line-exact"),
        pytest.param(SETUP_OLD, SETUP_NEW, 7, DELETED_AT, id="bracket-removed-not-on-setup"),
        pytest.param(SETUP_OLD, SETUP_NEW, 3, at(CHANGED, 2), id="setup-call-collapsed"),
        pytest.param(
            SCRIPT, BLANK_REMOVED_THEN_TYPED, 2, at(RELOCATED, 4), id="line-kept-not-on-typed"
        ),
        pytest.param(SCRIPT, BLANK_REMOVED_THEN_TYPED, 1, at(EXACT, 0), id="shebang-kept"),
        pytest.param(
            SCRIPT, SHEBANG_REMOVED_THEN_TYPED, 1, DELETED_AT, id="removed-line-not-on-typed"
        ),
        pytest.param(
            SCRIPT, LINE_REPLACED_BY_ITS_EDIT, 8, at(CHANGED, 7), id="typed-edit-of-the-line"
        ),
        pytest.param(
            SCRIPT, LINE_REPLACED_BY_OTHER_CODE, 8, DELETED_AT, id="typed-other-code-in-its-place"
        ),
    ],
)
@pytest.mark.parametrize("with_context", [False, True], ids=["bare", "frame-context"])
def test_moved_and_removed(
    old: list[str], new: list[str], line: int, expected: Placement, with_context: bool
) -> None:
    i = line - 1
    context = (
        FrameContext(old[i], tuple(old[max(0, i - 5) : i]), tuple(old[line : line + 5]))
        if with_context
        else None
    )
    assert LineMap(old, new).place(line, context) == expected


def test_a_line_not_placed_keeps_where_it_was_removed() -> None:
    placed = LineMap(SETUP_OLD, SETUP_NEW).place(7)
    assert placed.line is None and placed.near == 2
    assert LineMap(["a", "b"], []).place(1).near is None


def test_no_commit_neighbours_agree_but_the_line_is_other_code() -> None:
    """The window vote finds where the line was, but what is there is not an edit of it."""
    i = 7
    context = FrameContext(SCRIPT[i], tuple(SCRIPT[i - 5 : i]), ())
    assert place_by_context(LINE_REPLACED_BY_ITS_EDIT, 8, context) == at(CHANGED, 7)
    other = [*SCRIPT[:7], "    raise SystemExit(3)"]
    assert place_by_context(other, 8, context).kind is DELETED


def test_answers_do_not_depend_on_which_lines_were_asked_first() -> None:
    lines = list(range(1, len(URL_OLD) + 1))
    forward = LineMap(URL_OLD, URL_NEW).place_many((n, None) for n in lines)
    backward = LineMap(URL_OLD, URL_NEW).place_many((n, None) for n in reversed(lines))
    assert forward == list(reversed(backward))


# --- properties over random edit scripts ---------------------------------------------------------

SHORT = ["", "", ")", "),", "]", "else:", "return None", "pass", "(", '"""']


def similar(a: str, b: str) -> bool:
    a, b = normalize(a), normalize(b)
    return all(
        difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() >= SIMILAR
        for x, y in ((a, b), (b, a))
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[str], list[str], list[int | None], int]:
    """A random file of unique long lines and repeated short ones, a random edit script
    (insert, delete, replace, move, edit a line) applied to it, and where every old line is
    now (None when it did not survive). Returns old, new, where, and how many new lines are
    fresh (typed) at the end of the identities."""
    size = draw(st.integers(0, 40))
    old = [
        draw(st.sampled_from(SHORT))
        if draw(st.booleans())
        else f"    value_{n} = compute_item_value({n})"
        for n in range(size)
    ]
    ids: list[int] = list(range(size))  # identity of each current line; fresh ids for typed
    text = list(old)
    fresh = size
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "move", "edit"]))
        pos = draw(st.integers(0, len(text)))
        count = draw(st.integers(1, 6))
        if op in ("insert", "replace"):
            typed = [
                draw(st.sampled_from(SHORT)) if draw(st.booleans()) else f"typed_{fresh + k}()"
                for k in range(count)
            ]
            end = pos + (count if op == "replace" else 0)
            text[pos:end] = typed
            ids[pos:end] = list(range(fresh, fresh + count))
            fresh += count
        elif op == "delete":
            del text[pos : pos + count]
            del ids[pos : pos + count]
        elif op == "move":
            block, block_ids = text[pos : pos + count], ids[pos : pos + count]
            del text[pos : pos + count]
            del ids[pos : pos + count]
            dest = draw(st.integers(0, len(text)))
            text[dest:dest] = block
            ids[dest:dest] = block_ids
        elif pos < len(text):
            text[pos] = text[pos] + "  # edited"
            ids[pos] = fresh
            fresh += 1
    where: list[int | None] = [None] * size
    for j, ident in enumerate(ids):
        if ident < size:
            where[ident] = j
    return old, text, where, fresh


@settings(max_examples=400, deadline=None)
@given(histories())
def test_a_surviving_line_is_never_on_another_line_without_a_flag(
    history: tuple[list[str], list[str], list[int | None], int],
) -> None:
    old, new, where, _ = history
    for number, placed in enumerate(
        LineMap(old, new).place_many((n, None) for n in range(1, len(old) + 1)), 1
    ):
        original = old[number - 1]
        truth = where[number - 1]
        if placed.kind is EXACT:
            assert placed.line is not None and new[placed.line] == original
        if placed.kind is RELOCATED:
            assert placed.line is not None and normalize(new[placed.line]) == normalize(original)
        if placed.kind is CHANGED:
            assert placed.line is not None and similar(new[placed.line], original)
        unique = old.count(original) == 1 and new.count(original) <= 1
        if truth is not None and unique and weight(normalize(original)) >= DISTINCT:
            # A distinctive line whose text is unique is found where it is, whatever moved
            # around it.
            assert placed.line == truth, (number, original, placed, truth)
        if truth is not None and placed.kind is EXACT:
            assert placed.line is not None
            assert placed.line == truth or new[placed.line] == original
