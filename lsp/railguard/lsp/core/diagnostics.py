"""An incident placed on a line of a document → one `types.Diagnostic` (push diagnostics).

Pure code (lsprotocol types, stdlib, railguard.wire). Columns are counted in the encoding the
client negotiated (utf-8 for Neovim ≥ 0.10, utf-16 for VS Code), never as Python `str` indices.
The message says what happened and how much; a placement that is not `exact` lowers the severity
one step and says why, because a confident diagnostic on the wrong line is the worst outcome.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lsprotocol import types

from railguard.lsp.core.linerules import Placement, PlacementKind
from railguard.lsp.core.records import IncidentRecord, fix_note
from railguard.wire.models import Incident

#: What a diagnostic is made from: the server's compact record, or a whole wire incident.
Shown = IncidentRecord | Incident

SOURCE = "railguard"

SEVERITY_BY_LEVEL: dict[str, types.DiagnosticSeverity] = {
    "fatal": types.DiagnosticSeverity.Error,
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "debug": types.DiagnosticSeverity.Hint,
}
SEVERITY_NAMES: dict[str, types.DiagnosticSeverity] = {s.name: s for s in types.DiagnosticSeverity}

_STALE_SUFFIX = {
    PlacementKind.CHANGED: "line changed since the deployed commit",
    PlacementKind.RELOCATED: "moved since the deployed commit",
    PlacementKind.UNVERIFIED: "deployed commit not in this clone; line not verified",
}


@dataclass(frozen=True, slots=True)
class RelatedFrame:
    """A frame further down the stack that is in the workspace, at its current line."""

    uri: str
    line: int
    label: str


@dataclass(frozen=True, slots=True)
class PlacedIncident:
    incident: Shown
    placement: Placement
    commit: str | None
    related: tuple[RelatedFrame, ...] = ()


def units(text: str, encoding: str) -> int:
    """Length of `text` in the client's position encoding."""
    if text.isascii():
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def line_span(lines: Sequence[str], line: int, encoding: str) -> tuple[int, int]:
    """Start and end column of the line's text without indentation and trailing blanks, in
    client units; (0, 0) for a blank line (an empty range at its start)."""
    text = lines[line] if 0 <= line < len(lines) else ""
    stripped = text.rstrip()
    start = len(stripped) - len(stripped.lstrip())
    if start == len(stripped):
        return 0, 0
    return units(text[:start], encoding), units(stripped, encoding)


def line_range(lines: Sequence[str], line: int, encoding: str) -> types.Range:
    """The line's text without indentation and trailing blanks, in client units."""
    start, end = line_span(lines, line, encoding)
    return types.Range(types.Position(line, start), types.Position(line, end))


def awaiting(incident: Shown) -> tuple[str, bool] | None:
    """(fix commit, ancestry known) of a resolved incident whose fix awaits a deploy."""
    if isinstance(incident, IncidentRecord):
        return incident.awaiting
    fix = incident.fix
    if incident.status == "resolved" and fix is not None and fix.state == "awaiting_deploy":
        return fix.commit, fix.ancestry_known
    return None


def _data(incident: Shown, kind: PlacementKind) -> dict[str, Any]:
    data: dict[str, Any] = {"incidentId": incident.id, "placement": kind.value}
    if awaiting(incident) is not None:
        data["fix"] = "awaiting_deploy"
    return data


def severity(
    incident: Shown,
    placement: Placement,
    overrides: Mapping[str, str] | None = None,
) -> types.DiagnosticSeverity:
    """From the level (or the user's `severity` option), one step lower for an acknowledged
    incident and one more for a placement that is not `exact`. A fix awaiting a deploy is only
    a hint (docs/releases.md)."""
    if awaiting(incident) is not None:
        return types.DiagnosticSeverity.Hint
    base = SEVERITY_BY_LEVEL.get(incident.level, types.DiagnosticSeverity.Error)
    if overrides and incident.level in overrides:
        base = SEVERITY_NAMES.get(overrides[incident.level], base)
    steps = (incident.status == "acknowledged") + (placement.kind != PlacementKind.EXACT)
    return types.DiagnosticSeverity(min(int(base) + steps, int(types.DiagnosticSeverity.Hint)))


def ago(when: datetime, now: datetime) -> str:
    """`3 min ago`, `5 h ago`, `2 d ago`: short, for a one-line message."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"  # pragma: no cover - the loop always returns


def headline(incident: Shown) -> str:
    """`Type: message`, falling back to the stored title."""
    if isinstance(incident, IncidentRecord):
        return incident.title
    if incident.error_type and incident.message:
        first = incident.message.strip().splitlines()[0] if incident.message.strip() else ""
        return f"{incident.error_type}: {first}" if first else incident.error_type
    return incident.title or incident.error_type or incident.message or f"incident {incident.id}"


def message(placed: PlacedIncident, now: datetime) -> str:
    incident = placed.incident
    events = "1 event" if incident.event_count == 1 else f"{incident.event_count} events"
    parts = [events, f"last seen {ago(incident.last_seen, now)}"]
    if incident.environments:
        parts.append(", ".join(incident.environments))
    if incident.status == "acknowledged":
        parts.append("acknowledged")
    fix = awaiting(incident)
    if fix is not None:
        parts.append(fix_note(*fix))
    text = f"{headline(incident)} ({'; '.join(parts)})"
    suffix = _STALE_SUFFIX.get(placed.placement.kind)
    if suffix is not None:
        if placed.placement.kind == PlacementKind.CHANGED and placed.commit:
            suffix += f" {placed.commit[:7]}"
        text += f" — {suffix}"
    return text


def to_diagnostic(
    placed: PlacedIncident,
    lines: Sequence[str],
    encoding: str,
    *,
    now: datetime | None = None,
    severity_overrides: Mapping[str, str] | None = None,
    show_related: bool = True,
) -> types.Diagnostic | None:
    """The diagnostic for one placed incident, or None when it has no line (deleted)."""
    line = placed.placement.line
    if line is None:
        return None
    incident = placed.incident
    related = None
    if show_related and placed.related:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=r.uri,
                    range=types.Range(types.Position(r.line, 0), types.Position(r.line, 0)),
                ),
                message=r.label,
            )
            for r in placed.related
        ]
    return types.Diagnostic(
        range=line_range(lines, line, encoding),
        message=message(placed, now or datetime.now(UTC)),
        severity=severity(incident, placed.placement, severity_overrides),
        source=SOURCE,
        code=incident.id,
        code_description=types.CodeDescription(href=incident.url) if incident.url else None,
        data=_data(incident, placed.placement.kind),
        related_information=related,
    )


def _fields_json(
    incident: Shown,
    kind: PlacementKind,
    level: types.DiagnosticSeverity,
    text: str,
    related: tuple[RelatedFrame, ...],
) -> str:
    """Everything of a diagnostic but its range, as the members of a JSON object (what
    lsprotocol's converter makes of `to_diagnostic`, without building the objects)."""
    fields: dict[str, Any] = {
        "severity": int(level),
        "code": incident.id,
    }
    if incident.url:
        fields["codeDescription"] = {"href": incident.url}
    fields["source"] = SOURCE
    fields["message"] = text
    if related:
        fields["relatedInformation"] = [
            {
                "location": {
                    "uri": r.uri,
                    "range": {
                        "start": {"line": r.line, "character": 0},
                        "end": {"line": r.line, "character": 0},
                    },
                },
                "message": r.label,
            }
            for r in related
        ]
    fields["data"] = _data(incident, kind)
    return json.dumps(fields, separators=(",", ":"))[1:-1]


class RenderedDiagnostics:
    """One document's diagnostics as the JSON array a publish sends, the same as serialising
    `to_diagnostic` of each placed incident. Each incident's JSON but its range is kept until
    the next render, so an edit that moves incidents costs their ranges, not their messages
    and related frames again (nor lsprotocol objects and their converter)."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[Shown, tuple[Any, ...], str]] = {}

    def render(
        self,
        placed: Iterable[PlacedIncident],
        lines: Sequence[str],
        encoding: str,
        *,
        now: datetime | None = None,
        severity_overrides: Mapping[str, str] | None = None,
        show_related: bool = True,
    ) -> tuple[str, int]:
        """The JSON array of the diagnostics of `placed` (deleted ones are not shown), and how
        many it holds."""
        now = now or datetime.now(UTC)
        kept: dict[int, tuple[Shown, tuple[Any, ...], str]] = {}
        out: list[str] = []
        for p in placed:
            line = p.placement.line
            if line is None:
                continue
            incident = p.incident
            level = severity(incident, p.placement, severity_overrides)
            text = message(p, now)
            related = p.related if show_related else ()
            key = (p.placement.kind, level, text, related)
            hit = self._kept.get(incident.id)
            if hit is not None and hit[0] is incident and hit[1] == key:
                fields = hit[2]
            else:
                fields = _fields_json(incident, p.placement.kind, level, text, related)
            kept[incident.id] = (incident, key, fields)
            start, end = line_span(lines, line, encoding)
            out.append(
                f'{{"range":{{"start":{{"line":{line},"character":{start}}},'
                f'"end":{{"line":{line},"character":{end}}}}},{fields}}}'
            )
        self._kept = kept
        return "[" + ",".join(out) + "]", len(out)


def incident_id_of(diagnostic: types.Diagnostic) -> int | None:
    """The incident id a diagnostic came back with (code-action context), or None."""
    if diagnostic.source != SOURCE:
        return None
    data = diagnostic.data
    if isinstance(data, dict) and isinstance(data.get("incidentId"), int):
        return int(data["incidentId"])
    if isinstance(diagnostic.code, int):
        return diagnostic.code
    if isinstance(diagnostic.code, str) and diagnostic.code.isdigit():
        return int(diagnostic.code)
    return None
