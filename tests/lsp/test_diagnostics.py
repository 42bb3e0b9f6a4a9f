"""Incident + placement → Diagnostic: message, severity, columns in utf-8 and utf-16."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lspkit
import pytest
from lsprotocol import types

from railguard.lsp.core.diagnostics import (
    PlacedIncident,
    RelatedFrame,
    incident_id_of,
    line_range,
    to_diagnostic,
)
from railguard.lsp.core.linerules import DELETED, Placement, PlacementKind
from railguard.wire.models import Incident

UTF8 = types.PositionEncodingKind.Utf8
UTF16 = types.PositionEncodingKind.Utf16
NOW = lspkit.NOW + timedelta(minutes=5)
SEV = types.DiagnosticSeverity
# Accented letters, a snowman (BMP, 3 bytes in utf-8) and an emoji (2 utf-16 units, 4 bytes).
UNICODE = '    s = "é☃😀" + café(x)  '
LINES = ["def f(x):", UNICODE, ""]


def incident(**update: object) -> Incident:
    base = lspkit.make_incident(42, path="app/calc.py", line=2, commit="a1b2c3d4e5f6")
    return base.model_copy(update=update)


def placed(kind: PlacementKind = PlacementKind.EXACT, **update: object) -> PlacedIncident:
    return PlacedIncident(incident(**update), Placement(kind, 1), "a1b2c3d4e5f6")


@pytest.mark.parametrize(
    ("encoding", "start", "end"),
    [
        pytest.param(UTF16, 4, 4 + len('s = "é☃') + 2 + len('" + café(x)'), id="utf-16"),
        pytest.param(
            UTF8, 4, 4 + len(b's = "') + 2 + 3 + 4 + len('" + café(x)'.encode()), id="utf-8"
        ),
        pytest.param(types.PositionEncodingKind.Utf32, 4, len(UNICODE.rstrip()), id="utf-32"),
    ],
)
def test_columns_follow_the_negotiated_encoding(encoding: str, start: int, end: int) -> None:
    rng = line_range(LINES, 1, encoding)
    assert (rng.start.line, rng.start.character, rng.end.line, rng.end.character) == (
        1,
        start,
        1,
        end,
    )


def test_blank_line_gets_an_empty_range() -> None:
    rng = line_range(LINES, 2, UTF8)
    assert rng.start == rng.end == types.Position(2, 0)


def test_message_and_fields() -> None:
    diag = to_diagnostic(placed(), LINES, UTF16, now=NOW)
    assert diag is not None
    assert (
        diag.message
        == "ZeroDivisionError: division by zero (3 events; last seen 5 min ago; production)"
    )
    assert diag.source == "railguard" and diag.code == 42
    assert diag.code_description is not None
    assert diag.code_description.href == "http://railguard.example/incidents/42"
    assert diag.data == {"incidentId": 42, "placement": "exact"}
    assert diag.severity == SEV.Error
    assert incident_id_of(diag) == 42


@pytest.mark.parametrize(
    ("level", "status", "kind", "expected"),
    [
        pytest.param("fatal", "open", PlacementKind.EXACT, SEV.Error, id="fatal"),
        pytest.param("error", "open", PlacementKind.EXACT, SEV.Error, id="error"),
        pytest.param("warning", "open", PlacementKind.EXACT, SEV.Warning, id="warning"),
        pytest.param("info", "open", PlacementKind.EXACT, SEV.Information, id="info"),
        pytest.param("debug", "open", PlacementKind.EXACT, SEV.Hint, id="debug"),
        pytest.param("error", "acknowledged", PlacementKind.EXACT, SEV.Warning, id="acknowledged"),
        pytest.param("error", "open", PlacementKind.CHANGED, SEV.Warning, id="changed"),
        pytest.param("error", "open", PlacementKind.RELOCATED, SEV.Warning, id="relocated"),
        pytest.param("error", "open", PlacementKind.UNVERIFIED, SEV.Warning, id="unverified"),
        pytest.param("error", "acknowledged", PlacementKind.CHANGED, SEV.Information, id="both"),
        pytest.param("debug", "acknowledged", PlacementKind.CHANGED, SEV.Hint, id="clamped"),
    ],
)
def test_severity(level: str, status: str, kind: PlacementKind, expected: SEV) -> None:
    diag = to_diagnostic(placed(kind, level=level, status=status), LINES, UTF8, now=NOW)
    assert diag is not None and diag.severity == expected


def test_severity_override_option() -> None:
    diag = to_diagnostic(
        placed(level="warning"), LINES, UTF8, now=NOW, severity_overrides={"warning": "Information"}
    )
    assert diag is not None and diag.severity == SEV.Information


@pytest.mark.parametrize(
    ("kind", "suffix"),
    [
        pytest.param(
            PlacementKind.CHANGED, " — line changed since the deployed commit a1b2c3d", id="changed"
        ),
        pytest.param(PlacementKind.RELOCATED, " — moved since the deployed commit", id="relocated"),
        pytest.param(
            PlacementKind.UNVERIFIED,
            " — deployed commit not in this clone; line not verified",
            id="unverified",
        ),
    ],
)
def test_stale_placements_say_so(kind: PlacementKind, suffix: str) -> None:
    diag = to_diagnostic(placed(kind), LINES, UTF8, now=NOW)
    assert diag is not None and diag.message.endswith(suffix)
    assert lspkit.placement_of(diag) == kind.value


def test_deleted_is_never_shown() -> None:
    assert to_diagnostic(PlacedIncident(incident(), DELETED, None), LINES, UTF8) is None


def test_related_frames_and_counts() -> None:
    p = PlacedIncident(
        incident(event_count=1, last_seen=datetime(2026, 1, 1, tzinfo=UTC) - timedelta(days=2)),
        Placement(PlacementKind.EXACT, 1),
        None,
        (RelatedFrame("file:///r/app/main.py", 7, "called from app/main.py:9 in main"),),
    )
    diag = to_diagnostic(p, LINES, UTF8, now=lspkit.NOW)
    assert diag is not None and "(1 event; last seen 2 d ago" in diag.message
    assert diag.related_information is not None
    (rel,) = diag.related_information
    assert rel.location.uri == "file:///r/app/main.py" and rel.location.range.start.line == 7
    hidden = to_diagnostic(p, LINES, UTF8, now=lspkit.NOW, show_related=False)
    assert hidden is not None and hidden.related_information is None
