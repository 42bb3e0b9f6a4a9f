"""The publish payload: `RenderedDiagnostics` is the JSON of `to_diagnostic` through lsprotocol's
converter, whatever it reuses between renders."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import lspkit
import pytest
from lsprotocol import types
from lsprotocol.converters import get_converter

from railguard.lsp.core.diagnostics import (
    PlacedIncident,
    RelatedFrame,
    RenderedDiagnostics,
    to_diagnostic,
)
from railguard.lsp.core.linerules import DELETED, Placement, PlacementKind
from railguard.lsp.core.records import ProjectStore

UTF8 = types.PositionEncodingKind.Utf8
UTF16 = types.PositionEncodingKind.Utf16
NOW = lspkit.NOW + timedelta(minutes=5)
LINES = ["def f(x):", '    s = "é☃😀" + café(x)  ', "", "    return x  # ok", "\tpass"]
RELATED = (
    RelatedFrame("file:///r/app/main.py", 7, "called from app.main.run (main.py:8)"),
    RelatedFrame("file:///r/app/caf%C3%A9.py", 0, "called from café ☃"),
)
CONVERTER = get_converter()


def placed_list() -> list[PlacedIncident]:
    out = []
    kinds = list(PlacementKind)
    for n in range(12):
        incident = lspkit.make_incident(
            100 + n, path="app/calc.py", line=2, commit="a1b2c3d4e5f6",
            level=["error", "warning", "info", "debug", "fatal"][n % 5],
        )  # fmt: skip
        update: dict[str, Any] = {"event_count": 1 + n, "environments": ["production"] * (n % 2)}
        if n % 3 == 0:
            update["status"] = "acknowledged"
        if n % 4 == 0:
            update["url"] = ""
        incident = incident.model_copy(update=update)
        kind = kinds[n % len(kinds)]
        placement = DELETED if kind == PlacementKind.DELETED else Placement(kind, n % len(LINES))
        commit = "a1b2c3d4e5f6" if n % 2 else None
        out.append(PlacedIncident(incident, placement, commit, RELATED[: n % 3]))
    store = ProjectStore()
    record = store.record(lspkit.make_incident(7, path="app/calc.py", line=2, commit="abc"))
    out.append(PlacedIncident(record, Placement(PlacementKind.CHANGED, 1), "abc", RELATED))
    return out


def expected(placed: list[PlacedIncident], encoding: str, **options: Any) -> list[dict[str, Any]]:
    out = []
    for p in placed:
        diagnostic = to_diagnostic(p, LINES, encoding, now=NOW, **options)
        if diagnostic is not None:
            out.append(CONVERTER.unstructure(diagnostic))
    return out


@pytest.mark.parametrize("encoding", [UTF8, UTF16])
@pytest.mark.parametrize(
    "options",
    [{}, {"show_related": False}, {"severity_overrides": {"warning": "Error", "error": "Hint"}}],
)
def test_rendered_json_is_what_the_converter_makes(encoding: str, options: Any) -> None:
    placed = placed_list()
    text, count = RenderedDiagnostics().render(placed, LINES, encoding, now=NOW, **options)
    want = expected(placed, encoding, **options)
    assert json.loads(text) == want and count == len(want)
    assert text.isascii()


def test_a_second_render_reuses_what_did_not_change_and_redoes_what_did() -> None:
    rendered = RenderedDiagnostics()
    placed = placed_list()
    rendered.render(placed, LINES, UTF8, now=NOW)
    moved = [
        PlacedIncident(p.incident, Placement(p.placement.kind, 4 - p.placement.line), p.commit,
                       p.related)
        if p.placement.line is not None else p
        for p in placed
    ]  # fmt: skip
    moved[0] = PlacedIncident(
        moved[0].incident.model_copy(update={"event_count": 99}),  # type: ignore[union-attr]
        moved[0].placement,
        moved[0].commit,
        RELATED,
    )
    text, _ = rendered.render(moved, LINES, UTF8, now=NOW + timedelta(hours=3))
    assert json.loads(text) == [
        CONVERTER.unstructure(d)
        for p in moved
        if (d := to_diagnostic(p, LINES, UTF8, now=NOW + timedelta(hours=3))) is not None
    ]
    assert '"message":"ZeroDivisionError: division by zero (99 events' in text
    assert json.loads(rendered.render([], LINES, UTF8, now=NOW)[0]) == []
