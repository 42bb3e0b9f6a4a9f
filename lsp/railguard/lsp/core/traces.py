"""Hover text for an incident: the stack trace as Markdown, innermost frame first.

Pure code. Frames that exist in the workspace become links to their *current* line (computed by
the server and passed in as `locations`); the rest are plain text. Also the plain-text trace
that `railguard.copyStackTrace` returns. Bundled JavaScript frames the backend could not map
through a source map are marked, and the backend's hint says what to upload (the text comes
from the incident's `mapping`, see docs/source-maps.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from railguard.lsp.core.diagnostics import headline
from railguard.lsp.core.paths import innermost_first
from railguard.lsp.core.records import FrameRef
from railguard.wire.models import Frame, Incident

#: Frames shown before the hover says "… N more".
MAX_FRAMES = 30


#: A time the language server does not know: the first sighting of an incident shown from its
#: record while the backend is unreachable (features/hover.py).
UNKNOWN_TIME = datetime.min.replace(tzinfo=UTC)


def _when(value: datetime | None) -> str:
    if value is None or value == UNKNOWN_TIME:
        return "—"
    return value.strftime("%Y-%m-%d %H:%M UTC")


def plural(count: int, noun: str) -> str:
    """`1 event`, `2 events`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _escape(text: str) -> str:
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def frame_label(frame: Frame | FrameRef) -> str:
    where = frame.path or frame.original_path or frame.module or "?"
    line = f":{frame.line}" if frame.line is not None else ""
    function = f" in {frame.function}" if frame.function else ""
    return f"{where}{line}{function}"


#: Distinct upload hints shown under a trace.
MAX_HINTS = 3


def _unmapped_hints(frames: list[Frame]) -> list[str]:
    hints: list[str] = []
    for frame in frames:
        mapping = frame.mapping
        if mapping and mapping.status == "unmapped" and mapping.hint and mapping.hint not in hints:
            hints.append(mapping.hint)
    return hints[:MAX_HINTS]


def _is_unmapped(frame: Frame) -> bool:
    return frame.mapping is not None and frame.mapping.status == "unmapped"


def stack_text(incident: Incident) -> str:
    """The trace as plain text, innermost frame first, with the source line when known."""
    out = [headline(incident)]
    for frame in innermost_first(incident):
        out.append(f"  at {frame_label(frame)}" + (" (minified)" if _is_unmapped(frame) else ""))
        if frame.context_line:
            out.append(f"      {frame.context_line.strip()}")
    out += [f"Not source-mapped: {hint}" for hint in _unmapped_hints(innermost_first(incident))]
    return "\n".join(out)


def hover_markdown(
    incident: Incident,
    *,
    commit: str | None,
    placement: str,
    locations: Mapping[int, str] | None = None,
    blames: Mapping[int, str] | None = None,
) -> str:
    """Markdown for the hover. `locations` maps a frame's index in the innermost-first stack
    to a link target (a `file:` URI with `#L<line>`) for frames found in the workspace;
    `blames` to who last changed that line before the deployed commit (the crash frame's is the
    suspect commit)."""
    locations = locations or {}
    blames = blames or {}
    lines = [f"**{_escape(headline(incident))}**", ""]
    lines.append(
        f"{plural(incident.event_count, 'event')} · first seen {_when(incident.first_seen)} · "
        f"last seen {_when(incident.last_seen)}"
    )
    fix = incident.fix
    if incident.status == "resolved" and fix is not None:
        if fix.state == "deployed" and fix.deployed_in:
            note = f"Fixed in `{fix.commit[:7]}`, deployed in `{fix.deployed_in[:7]}`"
        else:
            note = f"Fixed in `{fix.commit[:7]}`, awaiting deploy"
            if not fix.ancestry_known:
                note += (
                    " — ancestry unknown: an event came from a commit not known to contain"
                    " or precede the fix"
                )
        lines += ["", note]
    facts = [f"status **{incident.status}**", f"level {incident.level}"]
    if incident.environments:
        facts.append("environment " + ", ".join(_escape(e) for e in incident.environments))
    if commit:
        facts.append(f"commit `{commit[:12]}`")
    if placement != "exact":
        facts.append(f"placement *{placement}*")
    lines += ["", " · ".join(facts), ""]
    frames = innermost_first(incident)
    crash = next((i for i, f in enumerate(frames) if f.in_app and f.line is not None), None)
    if crash is not None and crash in blames:
        suspect = f"Suspect commit: last changed by {_escape(blames[crash])} before the deploy"
        if placement != "exact":
            suspect += " · *changed since the deploy*"
        lines += [suspect, ""]
    for index, frame in enumerate(frames[:MAX_FRAMES]):
        label = _escape(frame_label(frame))
        target = locations.get(index)
        marker = "" if frame.in_app else " *(library)*"
        if _is_unmapped(frame):
            marker += " *(minified, not source-mapped)*"
        lines.append(
            f"{index + 1}. [{label}]({target}){marker}"
            if target
            else f"{index + 1}. {label}{marker}"
        )
        if frame.context_line:
            code = frame.context_line.strip().replace("`", "'")
            lines.append(f"   `{code}`")
        if index in blames and index != crash:
            lines.append(f"   last changed by {_escape(blames[index])}")
    if len(frames) > MAX_FRAMES:
        lines.append(f"\n… {len(frames) - MAX_FRAMES} more frames")
    for hint in _unmapped_hints(frames):
        lines += ["", f"**Not source-mapped:** {_escape(hint)}"]
    lines += ["", f"[Open incident #{incident.id}]({incident.url})"]
    return "\n".join(lines)
