"""Which file of the repository a stack frame is in, and which frames of an incident matter.

Pure code. A stored frame has `path` (repository-relative after the project's path rules) and
`original_path` (what the SDK sent, e.g. `/srv/app/api/views.py`). A path that is not a file of
the repository is matched by its longest suffix that names exactly one file; two files sharing
that suffix is a doubt, and doubts are not guessed (docs/language-server.md, "Paths").
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from railguard.wire.models import Frame, Incident


def clean(path: str) -> str:
    """Forward slashes, no leading `./` or `/`, no empty segments."""
    parts = [p for p in path.replace("\\", "/").split("/") if p and p != "."]
    return "/".join(parts)


class FileIndex:
    """The repository's files, for exact lookups and unique-suffix matching."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = frozenset(files)
        # Reversed paths sorted: files sharing a suffix are neighbours, found with bisect.
        self._reversed = sorted(f[::-1] for f in self.files)
        # Keyed by the path as given (frames' paths are interned, so these keys are shared):
        # a publish asks again for every incident of the project, and cleaning costs more.
        self._cache: dict[str, str | None] = {}

    def resolve(self, *candidates: str | None) -> str | None:
        """The one repository file the first usable candidate path names, else None."""
        for raw in candidates:
            if not raw:
                continue
            if raw in self._cache:
                found = self._cache[raw]
            else:
                found = self._cache[raw] = self._resolve(clean(raw))
            if found is not None:
                return found
        return None

    def _resolve(self, path: str) -> str | None:
        if path in self.files:
            return path
        parts = path.split("/")
        for k in range(len(parts)):
            suffix = "/".join(parts[k:])
            matches = self._with_suffix(suffix)
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                return None  # ambiguous: several files end the same way
        return None

    def _with_suffix(self, suffix: str) -> list[str]:
        key = suffix[::-1]
        out: list[str] = []
        i = bisect_left(self._reversed, key)
        while i < len(self._reversed) and self._reversed[i].startswith(key):
            rev = self._reversed[i]
            if len(rev) == len(key) or rev[len(key)] == "/":
                out.append(rev[::-1])
                if len(out) > 1:
                    break
            i += 1
        return out


def crash_frame(incident: Incident) -> Frame | None:
    """The top in-app frame: the one the incident is shown on."""
    if incident.top_frame is not None and incident.top_frame.line is not None:
        return incident.top_frame
    for frame in reversed(incident.stack):  # stack is oldest (caller) first
        if frame.in_app and frame.line is not None:
            return frame
    return None


def innermost_first(incident: Incident) -> list[Frame]:
    """The stack with the crashing frame first, as people read a trace in a hover."""
    if incident.stack:
        return list(reversed(incident.stack))
    return [incident.top_frame] if incident.top_frame is not None else []
