"""The hover's stand-in incident when the backend cannot be reached: built from the compact
record, it says the first sighting is unknown instead of inventing one."""

from __future__ import annotations

import lspkit

from railguard.lsp.core.records import IncidentRecord
from railguard.lsp.core.traces import UNKNOWN_TIME, hover_markdown
from railguard.lsp.features.hover import from_record


def test_stand_in_keeps_what_the_record_knows_and_no_first_sighting() -> None:
    incident = lspkit.make_incident(
        5, path="app/calc.py", line=10, commit="a" * 40, context_line="    return a / b"
    )
    record = IncidentRecord(incident)
    context, callers = record.unpack()
    stand_in = from_record(record, context, callers)
    assert (stand_in.id, stand_in.status, stand_in.level, stand_in.title) == (
        5, "open", "error", "ZeroDivisionError: division by zero"
    )  # fmt: skip
    assert stand_in.first_seen == UNKNOWN_TIME and stand_in.last_seen == incident.last_seen
    assert [(f.path, f.line, f.context_line) for f in stand_in.stack] == [
        ("app/calc.py", 10, "    return a / b")
    ]
    text = hover_markdown(stand_in, commit=record.commit, placement="exact")
    assert "first seen — · last seen 2026-01-01 00:00 UTC" in text


def test_a_full_incident_shows_its_first_sighting() -> None:
    incident = lspkit.make_incident(6, path="app/calc.py", line=10, commit=None)
    text = hover_markdown(incident, commit=None, placement="exact")
    assert "first seen 2026-01-01 00:00 UTC · last seen" in text
