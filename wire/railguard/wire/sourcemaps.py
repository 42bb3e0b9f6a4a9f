"""Source map upload bodies of the HTTP API (docs/source-maps.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from railguard.wire.models import Response

__all__ = ["SourceFileInfo", "SourceFileList", "SourceFilesDeleted"]


class SourceFileInfo(Response):
    id: int
    release: str
    """Empty for files uploaded by debug ID only."""
    dist: str
    url: str
    """The name frames are matched by: `~/static/main.js` matches any host."""
    kind: Literal["minified_source", "source_map"]
    debug_id: str | None = None
    sourcemap_ref: str | None = None
    size: int
    sha256: str
    created_at: datetime


class SourceFileList(Response):
    files: list[SourceFileInfo]


class SourceFilesDeleted(Response):
    deleted: int
