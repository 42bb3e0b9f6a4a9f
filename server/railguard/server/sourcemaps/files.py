"""What an uploaded file is: its kind, debug ID and `sourceMappingURL`, read from its content.

Pure. A map's debug ID is its `debug_id` (or `debugId`) field; a minified file's is the
`//# debugId=` comment `sentry-cli sourcemaps inject` appends, next to `//# sourceMappingURL=`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import orjson

from railguard.server.errors import Invalid
from railguard.server.ingest.jsmaps import normal_uuid

__all__ = ["SourceFile", "classify", "join_url", "upload_url"]

_MINIFIED_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx")
_TAIL = 4096
_DEBUG_ID_RE = re.compile(rb"//# debugId=([0-9a-fA-F-]{32,36})")
_MAP_URL_RE = re.compile(rb"//[#@] sourceMappingURL=(\S+)")
MAX_URL = 2048


@dataclass(frozen=True, slots=True)
class SourceFile:
    url: str
    kind: str
    """`minified_source` or `source_map`."""
    content: bytes
    sha256: bytes
    debug_id: str | None
    sourcemap_ref: str | None


def _map_debug_id(url: str, content: bytes) -> str | None:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None  # kept: the lookup reports it as a corrupt map, which is the truth
    if not isinstance(data, dict):
        return None
    return normal_uuid(data.get("debug_id") or data.get("debugId"))


def classify(
    url: str,
    content: bytes,
    *,
    kind: str | None = None,
    debug_id: str | None = None,
    sourcemap_ref: str | None = None,
) -> SourceFile:
    """A file ready to store; `Invalid` for a file that is neither JavaScript nor a map."""
    if not url or len(url) > MAX_URL:
        raise Invalid(f"file name must be 1 to {MAX_URL} characters.")
    name = url.split("?", 1)[0].lower()
    if kind is None:
        if name.endswith(".map"):
            kind = "source_map"
        elif name.endswith(_MINIFIED_SUFFIXES):
            kind = "minified_source"
        else:
            raise Invalid(f"{url}: only .js, .mjs, .cjs and .map files are accepted.")
    if kind == "source_map":
        debug_id = normal_uuid(debug_id) or _map_debug_id(url, content)
    elif kind == "minified_source":
        tail = content[-_TAIL:]
        found = _DEBUG_ID_RE.findall(tail)
        debug_id = normal_uuid(debug_id) or (normal_uuid(found[-1].decode()) if found else None)
        refs = _MAP_URL_RE.findall(tail)
        if sourcemap_ref is None and refs:
            sourcemap_ref = refs[-1].decode("utf-8", "replace")[:MAX_URL]
    else:
        raise Invalid(f"{url}: kind must be minified_source or source_map.")
    return SourceFile(
        url=url, kind=kind, content=content, sha256=hashlib.sha256(content).digest(),
        debug_id=debug_id, sourcemap_ref=sourcemap_ref,
    )  # fmt: skip


def upload_url(prefix: str, relative: str) -> str:
    """`~/` + `static/main.js`: the name a file in an upload folder is matched by."""
    relative = relative.replace("\\", "/").lstrip("/")
    if relative.startswith("./"):
        relative = relative[2:]
    if not prefix:
        prefix = "~/"
    return prefix.rstrip("/") + "/" + relative


def join_url(base: str, ref: str) -> str:
    """`ref` (a `sourceMappingURL`) relative to the minified file's name `base`."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", ref) or ref.startswith("~/"):
        return ref
    if ref.startswith("/"):
        head = base.split("/", 3)
        if base.startswith("~/"):
            return "~" + ref
        return "/".join(head[:3]) + ref if len(head) >= 3 and "://" in base else ref
    directory = base.rsplit("/", 1)[0] if "/" in base else ""
    parts = directory.split("/") if directory else []
    for segment in ref.split("/"):
        if segment == "..":
            if len(parts) > 1 and parts[-1] not in ("~", ""):
                parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    return "/".join(parts)
