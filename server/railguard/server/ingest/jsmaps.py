"""Bundled JavaScript frames → original locations through source maps (docs/source-maps.md).

Pure: which frames of an event want a map (`requests_for`), the release-file URLs a minified
file may have been uploaded under (`candidate_urls`), and how a looked-up map rewrites the
frames (`apply_maps`). Fetching and parsing maps is `railguard.server.sourcemaps`'s job; it
hands back one `MapOutcome` per minified file, and a frame whose file got no map keeps its
minified location, marked unmapped with the reason and what to upload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import urlsplit

from railguard.server.ingest.frames import RawFrame
from railguard.wire.models import FrameMapping, MappingReason

__all__ = [
    "JS_PLATFORMS",
    "MapOutcome",
    "MapRequest",
    "OriginalToken",
    "SourceMap",
    "apply_maps",
    "candidate_urls",
    "debug_ids",
    "hint_for",
    "looks_minified",
    "normal_uuid",
    "requests_for",
]

JS_PLATFORMS = frozenset({"javascript", "node", "typescript"})
CONTEXT_LINES = 5
_MAX_CONTEXT_LINE = 1000
_OPAQUE = ("node:", "<", "[", "native", "wasm:", "data:", "blob:", "eval at ")
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_MINIFIED_NAME_RE = re.compile(r"(?:\.min\.[cm]?js$)|(?:[.\-_][0-9a-fA-F]{6,}\.[cm]?js$)")
_MINIFIED_COLUMN = 500
"""Past this column a JavaScript frame is taken to be in a minified line."""


@dataclass(frozen=True, slots=True)
class OriginalToken:
    """Where a minified position came from. Lines and columns are 1-based."""

    source: str
    """The source's name as the map gives it (`sourceRoot` applied)."""
    line: int
    column: int
    name: str | None
    """The original identifier at this position (at a call: the function called)."""


class SourceMap(Protocol):
    """A parsed source map (the server's `sourcemaps.parsed.ParsedMap`)."""

    def lookup(self, line: int, column: int) -> OriginalToken | None:
        """The original position of a 1-based minified (line, column), or None."""
        ...

    def function_at(self, line: int, column: int, minified_name: str) -> str | None:
        """The original name of the function around a minified position, from the minified
        source (slow: used only when no caller names the function)."""
        ...

    def source_lines(self, source: str) -> Sequence[str] | None:
        """The lines of `source` from the map's `sourcesContent`, when it has them."""
        ...


@dataclass(frozen=True, slots=True)
class MapRequest:
    """One minified file of an event to find a map for."""

    abs_path: str
    debug_id: str | None
    minified: bool = False
    """Some frame in this file `looks_minified`."""


@dataclass(frozen=True, slots=True)
class MapOutcome:
    """The lookup's answer for one minified file: a map, or why there is none."""

    source_map: SourceMap | None
    reason: MappingReason | None = None


def normal_uuid(value: object) -> str | None:
    if not isinstance(value, str) or not _UUID_RE.match(value):
        return None
    hexits = value.replace("-", "")[:32].lower()
    return f"{hexits[:8]}-{hexits[8:12]}-{hexits[12:16]}-{hexits[16:20]}-{hexits[20:32]}"


def debug_ids(payload: Mapping[str, Any]) -> dict[str, str]:
    """`debug_meta.images` of type `sourcemap`: minified file (`code_file`) → debug id."""
    meta = payload.get("debug_meta")
    images = meta.get("images") if isinstance(meta, dict) else None
    found: dict[str, str] = {}
    for image in images if isinstance(images, list) else []:
        if not isinstance(image, dict) or image.get("type") != "sourcemap":
            continue
        code_file, debug_id = image.get("code_file"), normal_uuid(image.get("debug_id"))
        if isinstance(code_file, str) and code_file and debug_id:
            found[code_file] = debug_id
    return found


def _path_of(frame: RawFrame) -> str | None:
    return frame.abs_path or frame.filename


def _mappable(frame: RawFrame, platform: str | None) -> bool:
    path = _path_of(frame)
    return (
        (frame.platform or platform or "").lower() in JS_PLATFORMS
        and frame.mapping is None
        and bool(path)
        and frame.lineno is not None
        and frame.colno is not None
        and not path.startswith(_OPAQUE)  # type: ignore[union-attr]
        and "/node_modules/" not in path  # type: ignore[operator]
    )


def looks_minified(frame: RawFrame) -> bool:
    """A frame in a bundle: a `.min.js` or content-hashed file name, or a very long line."""
    path = (_path_of(frame) or "").split("?", 1)[0]
    return bool(_MINIFIED_NAME_RE.search(path)) or (frame.colno or 0) > _MINIFIED_COLUMN


def requests_for(
    frames: Sequence[RawFrame], platform: str | None, payload: Mapping[str, Any]
) -> list[MapRequest]:
    """The distinct minified files of `frames` a map may exist for, in stack order."""
    ids = debug_ids(payload)
    seen: dict[str, MapRequest] = {}
    for frame in frames:
        if not _mappable(frame, platform):
            continue
        path = _path_of(frame)
        assert path is not None
        known = seen.get(path)
        if known is None or (not known.minified and looks_minified(frame)):
            seen[path] = MapRequest(path, ids.get(path), looks_minified(frame))
    return list(seen.values())


def candidate_urls(abs_path: str) -> list[str]:
    """Release-file names a minified file may have been uploaded under, best first: the URL
    itself (without query and fragment), then `~/` + its path, then `~/` + shorter and
    shorter path suffixes (`~/static/js/main.js`, `~/js/main.js`, `~/main.js`)."""
    bare = abs_path.split("#", 1)[0]
    without_query = bare.split("?", 1)[0]
    parts = urlsplit(without_query)
    path = parts.path if parts.scheme else without_query
    path = path.replace("\\", "/")
    segments = [s for s in path.split("/") if s]
    urls = [bare, without_query]
    urls += ["~/" + "/".join(segments[i:]) for i in range(len(segments))]
    return list(dict.fromkeys(u for u in urls if u))


def hint_for(
    reason: MappingReason, *, abs_path: str, release: str | None, debug_id: str | None
) -> str:
    """What to upload so that this frame maps next time, in one sentence."""
    name = abs_path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or abs_path
    if reason == "unknown_debug_id":
        return (
            f"No source map with debug ID {debug_id} was uploaded: run `sentry-cli sourcemaps "
            f"inject` then `sentry-cli sourcemaps upload` on the build that produced {name}."
        )
    if reason == "no_release":
        return (
            f"The event has no release and {name} no debug ID: set `release` in the SDK and "
            f"upload {name}.map with `railguard sourcemaps upload --release <release> <dir>`, "
            "or inject debug IDs with `sentry-cli sourcemaps inject`."
        )
    if reason == "no_map_for_release":
        return (
            f"No source map for {name} in release {release}: upload {name} and {name}.map with "
            f"`railguard sourcemaps upload --release {release} <dir>` (or `sentry-cli "
            "sourcemaps upload`)."
        )
    if reason == "no_such_position":
        return (
            f"The source map uploaded for {name} has no mapping at this line and column: it "
            "belongs to another build; upload the map of the deployed bundle."
        )
    return (
        f"The source map uploaded for {name} could not be parsed: upload it again from the "
        "build output."
    )


def _unmapped(
    frame: RawFrame, reason: MappingReason, request: MapRequest, release: str | None
) -> RawFrame:
    path = _path_of(frame) or ""
    mapping = FrameMapping(
        status="unmapped", reason=reason,
        hint=hint_for(reason, abs_path=path, release=release, debug_id=request.debug_id),
        minified_path=path, minified_line=frame.lineno, minified_column=frame.colno,
        minified_function=frame.function, debug_id=request.debug_id,
    )  # fmt: skip
    return replace(frame, mapping=mapping)


def source_path(source: str) -> str:
    """A map's source name as a path: `./` and `../` segments in front dropped (bundlers name
    sources relative to the map, which sits in the build folder), URLs (`webpack://`) kept for
    the path rules."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", source):
        return source
    parts = source.replace("\\", "/").split("/")
    while parts and parts[0] in ("", ".", ".."):
        if parts[0] == "" and len(parts) > 1 and source.startswith("/"):
            return source  # absolute: for the path rules
        parts.pop(0)
    return "/".join(parts) or source


def _clip(line: str) -> str:
    return line[:_MAX_CONTEXT_LINE]


def _mapped(
    frame: RawFrame,
    token: OriginalToken,
    source_map: SourceMap,
    request: MapRequest,
    called: str | None,
) -> RawFrame:
    path = source_path(token.source)
    lines = source_map.source_lines(token.source)
    context_line, pre, post = None, [], []
    if lines is not None and 1 <= token.line <= len(lines):
        i = token.line - 1
        context_line = _clip(lines[i])
        pre = [_clip(x) for x in lines[max(0, i - CONTEXT_LINES) : i]]
        post = [_clip(x) for x in lines[i + 1 : i + 1 + CONTEXT_LINES]]
    mapping = FrameMapping(
        status="mapped", minified_path=_path_of(frame), minified_line=frame.lineno,
        minified_column=frame.colno, minified_function=frame.function, debug_id=request.debug_id,
    )  # fmt: skip
    vendored = "node_modules/" in path or path.startswith("webpack/")
    return replace(
        frame,
        filename=path,
        abs_path=path,
        module=None,  # the SDK derived it from the bundle's name
        function=called
        or source_map.function_at(frame.lineno or 0, frame.colno or 0, frame.function or "")
        or frame.function,
        lineno=token.line,
        colno=token.column,
        in_app=False if vendored else frame.in_app,
        context_line=context_line,
        pre_context=pre,
        post_context=post,
        mapping=mapping,
    )


def apply_maps(
    frames: Sequence[RawFrame],
    platform: str | None,
    requests: Sequence[MapRequest],
    outcomes: Mapping[str, MapOutcome],
    *,
    release: str | None,
) -> list[RawFrame]:
    """Copies of `frames` (oldest first) with every requested file's frames mapped, or marked
    unmapped. Files the lookup gave no outcome for (it chose not to look) stay as they were.

    A mapped frame's function is the identifier its caller's mapped position names: at a call
    site the map names the function called, which bundlers keep even when they rename the
    function itself. Without a mapped caller, the map and the minified source name it
    (`SourceMap.function_at`); failing that the SDK's (minified) name stays."""
    by_path = {r.abs_path: r for r in requests}
    result: list[RawFrame] = []
    called: str | None = None  # what the previous (calling) frame's position calls
    for frame in frames:
        path = _path_of(frame)
        request = by_path.get(path) if path and _mappable(frame, platform) else None
        outcome = outcomes.get(request.abs_path) if request else None
        caller_named, called = called, None
        if request is None or outcome is None:
            result.append(frame)
            continue
        if outcome.source_map is None:
            reason = outcome.reason or "no_map_for_release"
            result.append(_unmapped(frame, reason, request, release))
            continue
        assert frame.lineno is not None and frame.colno is not None
        token = outcome.source_map.lookup(frame.lineno, frame.colno)
        if token is None:
            result.append(_unmapped(frame, "no_such_position", request, release))
        else:
            result.append(_mapped(frame, token, outcome.source_map, request, caller_named))
            called = token.name
    return result
