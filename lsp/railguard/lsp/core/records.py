"""Compact incidents: what the language server keeps of each open incident, ~1 KB apiece.

Pure code. A wire `Incident` with a 20-frame stack and Sentry's context lines is tens of
kilobytes of Python objects; 10,000 of them do not fit the server's memory budget. An
`IncidentRecord` keeps the fields a diagnostic shows, the crash frame's position (interned
strings) and, zlib-compressed, what only placement needs: the crash frame's context lines and
the other in-app frames (for related information). Those are decoded for the incidents of
open documents only, and kept decoded in a small LRU. The full stack for a hover comes from
the backend on demand (`features/incidents.py`).
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, get_args

from railguard.lsp.core.linerules import FrameContext
from railguard.lsp.core.paths import crash_frame
from railguard.wire.models import Frame, Incident, IncidentStatus, Level

#: One shared string per status and level (what `sys.intern` did), keeping their literal types.
_STATUSES: dict[str, IncidentStatus] = {s: s for s in get_args(IncidentStatus)}
_LEVELS: dict[str, Level] = {v: v for v in get_args(Level)}
#: The statuses whose incidents are shown (and kept); the others are dropped, but for a resolved
#: incident whose fix awaits a deploy (`is_shown`, docs/releases.md).
SHOWN_STATUSES = ("open", "acknowledged")


def is_shown(incident: Incident) -> bool:
    """Open or acknowledged, or resolved at a commit no known deploy contains yet; never one
    merged into another or in the trash (`hidden`)."""
    if incident.hidden:
        return False
    if incident.status in SHOWN_STATUSES:
        return True
    fix = incident.fix
    return incident.status == "resolved" and fix is not None and fix.state == "awaiting_deploy"


def fix_note(commit: str, ancestry_known: bool) -> str:
    """`fixed in <commit>, awaiting deploy`, and why a later event did not reopen it when that
    is not known."""
    text = f"fixed in {commit[:7]}, awaiting deploy"
    if not ancestry_known:
        text += " (ancestry unknown)"
    return text


#: Longest title kept (the backend's `title` is capped the same way).
MAX_TITLE = 200
#: Records whose compressed part stays decoded (the incidents of open documents, and then some).
DECODED_CACHE = 1024

_NO_CONTEXT = FrameContext()
_shared: dict[tuple[str, ...], tuple[str, ...]] = {}


def _intern(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def _share(values: Iterable[str]) -> tuple[str, ...]:
    """One tuple object per distinct value (environment lists repeat across incidents)."""
    key = tuple(sys.intern(v) for v in values)
    return _shared.setdefault(key, key)


class FrameRef(NamedTuple):
    """Where a frame is: enough to find its file and line, and to label it."""

    path: str | None
    original_path: str | None
    module: str | None
    function: str | None
    line: int | None
    column: int | None = None
    in_app: bool = True
    context_line: str | None = None


#: The crash frame's context and the other in-app frames (innermost first).
Details = tuple[FrameContext, tuple[FrameRef, ...]]


def frame_ref(frame: Frame, *, with_context_line: bool = False) -> FrameRef:
    return FrameRef(
        _intern(frame.path),
        _intern(frame.original_path),
        _intern(frame.module),
        _intern(frame.function),
        frame.line,
        frame.column,
        frame.in_app,
        frame.context_line if with_context_line else None,
    )


def _same_position(a: Frame, b: Frame) -> bool:
    return (a.path, a.original_path, a.line, a.function, a.module) == (
        b.path,
        b.original_path,
        b.line,
        b.function,
        b.module,
    )


def headline_of(incident: Incident) -> str:
    """`Type: message`, falling back to the stored title; at most `MAX_TITLE` characters."""
    if incident.error_type and incident.message:
        first = incident.message.strip().splitlines()[0] if incident.message.strip() else ""
        text = f"{incident.error_type}: {first}" if first else incident.error_type
    else:
        text = (
            incident.title or incident.error_type or incident.message or f"incident {incident.id}"
        )
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


_NUMBERS = struct.Struct("<qqqq")  # project_id, event_count, change_seq, last_seen (µs)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_URL_TAIL = "/incidents/"


def _deflate(data: bytes, zdict: bytes) -> bytes:
    if zdict:
        c = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=zdict)
    else:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _inflate(data: bytes, zdict: bytes) -> bytes:
    d = zlib.decompressobj(-15, zdict=zdict) if zdict else zlib.decompressobj(-15)
    return d.decompress(data) + d.flush()


def _placement_json(incident: Incident) -> bytes | None:
    """What placement needs beyond the crash frame's position, as compact JSON (or None)."""
    crash = crash_frame(incident)
    if crash is None:
        return None
    callers = [
        [f.path, f.original_path, f.module, f.function, f.line, f.context_line]
        for f in reversed(incident.stack)
        if f.in_app and f.line is not None and not _same_position(f, crash)
    ]
    if not callers and crash.context_line is None and not crash.pre_context:
        if not crash.post_context:
            return None
    raw = [crash.context_line, crash.pre_context, crash.post_context, callers]
    return json.dumps(raw, separators=(",", ":")).encode()


def train(incidents: Iterable[Incident], size: int = 32 * 1024) -> bytes:
    """A zlib preset dictionary from a sample of incidents: the paths, modules and code that
    recur across a project's incidents then cost a back-reference instead of their text."""
    out = bytearray()
    for incident in incidents:
        data = _placement_json(incident)
        if data is not None:
            out += data
        if len(out) >= size:
            break
    return bytes(out[-size:])


class IncidentRecord:
    """One open incident as the language server keeps it (see the module docstring). Numbers
    are packed in one `bytes`, the URL is derived from the id when it has the usual shape, and
    the placement details are deflated with the store's preset dictionary."""

    __slots__ = (
        "id",
        "status",
        "level",
        "title",
        "environments",
        "commit",
        "awaiting",
        "_url",
        "_numbers",
        "_crash",
        "_packed",
    )

    def __init__(self, incident: Incident, zdict: bytes = b"") -> None:
        self.id = incident.id
        self.status = _STATUSES[incident.status]
        self.level = _LEVELS[incident.level]
        self.title = headline_of(incident)
        self.environments = _share(incident.environments)
        self.commit = _intern(incident.latest_commit or incident.first_commit)
        fix = incident.fix
        #: (fix commit, ancestry known) of a resolved incident whose fix awaits a deploy.
        self.awaiting: tuple[str, bool] | None = (
            (fix.commit, fix.ancestry_known)
            if incident.status == "resolved" and fix is not None and fix.state == "awaiting_deploy"
            else None
        )
        url = incident.url
        tail = f"{_URL_TAIL}{incident.id}"
        self._url = sys.intern(url[: -len(str(incident.id))]) if url.endswith(tail) else url
        seen = incident.last_seen
        if seen.tzinfo is None:
            seen = seen.replace(tzinfo=UTC)
        micros = (seen - _EPOCH) // timedelta(microseconds=1)
        self._numbers = _NUMBERS.pack(
            incident.project_id, incident.event_count, incident.change_seq, micros
        )
        crash = crash_frame(incident)
        self._crash = frame_ref(crash) if crash is not None else None
        data = _placement_json(incident)
        self._packed = _deflate(data, zdict) if data is not None else None

    @property
    def project_id(self) -> int:
        return int(_NUMBERS.unpack(self._numbers)[0])

    @property
    def event_count(self) -> int:
        return int(_NUMBERS.unpack(self._numbers)[1])

    @property
    def change_seq(self) -> int:
        return int(_NUMBERS.unpack(self._numbers)[2])

    @property
    def last_seen(self) -> datetime:
        return _EPOCH + timedelta(microseconds=_NUMBERS.unpack(self._numbers)[3])

    @property
    def url(self) -> str:
        return f"{self._url}{self.id}" if self._url.endswith(_URL_TAIL) else self._url

    @property
    def crash(self) -> FrameRef | None:
        return self._crash

    @property
    def shown(self) -> bool:
        """Shown as a diagnostic: open, acknowledged, or fixed and awaiting a deploy."""
        return self.status in SHOWN_STATUSES or self.awaiting is not None

    def unpack(self, zdict: bytes = b"") -> Details:
        """The crash frame's context and the other in-app frames, innermost first (decoded
        each call; `ProjectStore.details` caches). `zdict` is the one it was packed with."""
        if self._packed is None:
            return _NO_CONTEXT, ()
        line, pre, post, callers = json.loads(_inflate(self._packed, zdict))
        return FrameContext(line, tuple(pre), tuple(post)), tuple(
            FrameRef(_intern(p), _intern(o), _intern(m), _intern(f), n, None, True, c)
            for p, o, m, f, n, c in callers
        )

    def __repr__(self) -> str:
        return f"IncidentRecord(id={self.id}, status={self.status!r}, title={self.title!r})"


class ProjectStore:
    """A project's shown incidents by id, indexed by the crash frame's reported path."""

    def __init__(self, records: Iterable[IncidentRecord] = (), zdict: bytes = b"") -> None:
        #: The preset dictionary every record of this store is deflated with (see `train`).
        self.zdict = zdict
        self._records: dict[int, IncidentRecord] = {}
        self._sites: dict[tuple[str | None, str | None], list[int]] = {}
        self._decoded: OrderedDict[int, tuple[IncidentRecord, Details]] = OrderedDict()
        for record in records:
            self.put(record)

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[IncidentRecord]:
        return iter(self._records.values())

    def record(self, incident: Incident) -> IncidentRecord:
        """A record of `incident` packed with this store's dictionary."""
        return IncidentRecord(incident, self.zdict)

    def get(self, incident_id: int) -> IncidentRecord | None:
        return self._records.get(incident_id)

    def put(self, record: IncidentRecord) -> None:
        self.discard(record.id)
        self._records[record.id] = record
        if record.crash is not None and record.crash.line is not None:
            site = (record.crash.path, record.crash.original_path)
            self._sites.setdefault(site, []).append(record.id)

    def discard(self, incident_id: int) -> None:
        old = self._records.pop(incident_id, None)
        self._decoded.pop(incident_id, None)
        if old is not None and old.crash is not None:
            site = (old.crash.path, old.crash.original_path)
            ids = self._sites.get(site)
            if ids is not None and incident_id in ids:
                ids.remove(incident_id)
                if not ids:
                    del self._sites[site]

    def sites(self) -> list[tuple[str | None, str | None]]:
        """Every (crash frame's path, original path) with incidents, as a snapshot (a publish
        awaits between sites, and the live feed may change the store meanwhile)."""
        return list(self._sites)

    def at(self, site: tuple[str | None, str | None]) -> list[IncidentRecord]:
        """The incidents crashing at `site`, by id."""
        return [self._records[i] for i in sorted(self._sites.get(site, ()))]

    def details(self, record: IncidentRecord) -> Details:
        """`record.unpack()`, cached for the most recently used `DECODED_CACHE` records."""
        hit = self._decoded.get(record.id)
        if hit is not None and hit[0] is record:
            self._decoded.move_to_end(record.id)
            return hit[1]
        value = record.unpack(self.zdict)
        self._decoded[record.id] = (record, value)
        if len(self._decoded) > DECODED_CACHE:
            self._decoded.popitem(last=False)
        return value
