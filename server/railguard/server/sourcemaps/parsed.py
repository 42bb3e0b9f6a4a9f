"""A parsed source map, through Sentry's `symbolic` (native code; docs/source-maps.md says why).

`parse` turns a map's bytes (and the minified file's, when uploaded) into a `ParsedMap`, which
implements `ingest.jsmaps.SourceMap`. Parsing runs in native code without the GIL, so the
resolver runs it in a thread. `symbolic`'s lookup that also names the original function scans
the minified source backwards (milliseconds per frame on a large bundle): `jsmaps` uses it only
for a frame whose caller names no function, and its answers are memoised per position.
"""

from __future__ import annotations

from collections.abc import Sequence

from symbolic.exceptions import SymbolicError
from symbolic.sourcemap import SourceMapView, SourceView

from railguard.server.ingest.jsmaps import OriginalToken

__all__ = ["CorruptMap", "ParsedMap", "parse"]

_MAX_FUNCTIONS = 4096


class CorruptMap(Exception):
    """The uploaded map is not a source map `symbolic` can read."""


class ParsedMap:
    """One parsed map and, optionally, its minified file; `weight` approximates its memory."""

    def __init__(self, view: SourceMapView, minified: SourceView | None, weight: int) -> None:
        self._view = view
        self._minified = minified
        self._functions: dict[tuple[int, int, str], str | None] = {}
        self.weight = weight
        self._ids = {name: i for i, name in view.iter_sources() if name is not None}
        self._lines: dict[int, list[str] | None] = {}

    def lookup(self, line: int, column: int) -> OriginalToken | None:
        if line < 1 or column < 1:
            return None
        token = self._view.lookup(line - 1, column - 1)
        # symbolic answers the nearest token before the position, even on an earlier line: a
        # line the map has no token on is a map of another build.
        if token is None or token.dst_line != line - 1 or token.src is None:
            return None
        return OriginalToken(
            source=token.src,
            line=token.src_line + 1,
            column=token.src_col + 1,
            name=token.name or None,
        )

    def function_at(self, line: int, column: int, minified_name: str) -> str | None:
        if self._minified is None or line < 1 or column < 1 or not minified_name:
            return None
        key = (line, column, minified_name)
        if key not in self._functions:
            token = self._view.lookup(line - 1, column - 1, minified_name, self._minified)
            if len(self._functions) >= _MAX_FUNCTIONS:
                self._functions.clear()
            self._functions[key] = token.function_name if token is not None else None
        return self._functions[key]

    def source_lines(self, source: str) -> Sequence[str] | None:
        index = self._ids.get(source)
        if index is None:
            return None
        if index not in self._lines:
            view = self._view.get_sourceview(index)
            self._lines[index] = list(view) if view is not None and len(view) else None
        return self._lines[index]


def parse(map_bytes: bytes, minified: bytes | None) -> ParsedMap:
    """Parse a map; `CorruptMap` when it is not one (bad JSON, bad mappings, an index map
    `symbolic` refuses)."""
    try:
        view = SourceMapView.from_json_bytes(map_bytes)
    except SymbolicError as exc:
        raise CorruptMap(str(exc)[:200]) from exc
    # The native index is about the size of the JSON (measured in `make bench`, sourcemap
    # cache); the sources' lines are decoded lazily and counted again at most once.
    source = SourceView.from_bytes(minified) if minified else None
    return ParsedMap(view, source, len(map_bytes) * 2 + (len(minified) if minified else 0))
