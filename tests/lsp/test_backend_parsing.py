"""The live feed's SSE parser, frame path matching, and the LSP's import boundary."""

from __future__ import annotations

import subprocess
import sys

import pytest

from railguard.lsp.core.paths import FileIndex
from railguard.lsp.io.backend import SseEvent, SseParser


def test_sse_events_split_across_chunks() -> None:
    parser = SseParser()
    stream = (
        b'event: ready\ndata: {"seq": 3}\n\n: ping\n\nevent: change\r\nid: 4\r\n'
        b'data: {"a":\r\ndata: 1}\r\n\r\n'
    )
    events: list[SseEvent] = []
    for i in range(len(stream)):  # one byte at a time, including inside \r\n
        events += parser.feed(stream[i : i + 1])
    assert events == [SseEvent("ready", '{"seq": 3}', None), SseEvent("change", '{"a":\n1}', "4")]


def test_sse_long_line_and_utf8_split() -> None:
    parser = SseParser()
    data = "☃" * 100_000
    raw = f"event: change\ndata: {data}\n\n".encode()
    events = parser.feed(raw[:7]) + parser.feed(raw[7:70_001]) + parser.feed(raw[70_001:])
    assert events == [SseEvent("change", data, None)]


FILES = ["app/api/views.py", "app/web/views.py", "app/calc.py", "lib/util.py", "setup.py"]


@pytest.mark.parametrize(
    ("paths", "found"),
    [
        pytest.param(("app/calc.py",), "app/calc.py", id="exact"),
        pytest.param(("/srv/app/calc.py",), "app/calc.py", id="absolute-suffix"),
        pytest.param(("/srv/x/api/views.py",), "app/api/views.py", id="longest-unique-suffix"),
        pytest.param(("/srv/x/views.py",), None, id="ambiguous-suffix"),
        pytest.param(("C:\\build\\lib\\util.py",), "lib/util.py", id="windows"),
        pytest.param((None, "/srv/app/calc.py"), "app/calc.py", id="original-path-fallback"),
        pytest.param(("nope/other.py",), None, id="absent"),
        pytest.param(("py",), None, id="partial-name-is-no-suffix"),
    ],
)
def test_file_index(paths: tuple[str | None, ...], found: str | None) -> None:
    assert FileIndex(FILES).resolve(*paths) == found


def test_lsp_never_imports_the_backend_internals() -> None:
    code = (
        "import sys, railguard.lsp.factory;"
        "bad = [m for m in ('railguard.server', 'asyncpg') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
