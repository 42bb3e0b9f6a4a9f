"""Intermediate frame and exception types shared by the parsers, grouping and processing.

Both the Sentry event model and the raw text trace parsers produce these; the grouping rule
reads them; `process` turns them into the wire `Frame`. Lists of frames are always ordered
oldest → newest (caller → crash site), whatever the source language prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from railguard.wire.models import FrameMapping

__all__ = ["MAX_FRAMES", "RawException", "RawFrame", "keep_newest"]

MAX_FRAMES = 250
"""Relay's cap on frames per stack; the newest (crash-side) frames are kept."""


@dataclass(slots=True)
class RawFrame:
    filename: str | None = None
    abs_path: str | None = None
    module: str | None = None
    function: str | None = None
    lineno: int | None = None
    colno: int | None = None
    in_app: bool | None = None
    context_line: str | None = None
    pre_context: list[str] = field(default_factory=list)
    post_context: list[str] = field(default_factory=list)
    platform: str | None = None
    """Set when the frame's platform differs from the event's (mixed stacks)."""
    mapping: FrameMapping | None = None
    """How a source map was applied to this frame (`ingest.jsmaps`)."""


@dataclass(slots=True)
class RawException:
    type: str | None = None
    value: str | None = None
    module: str | None = None
    mechanism: dict[str, Any] | None = None
    synthetic: bool = False
    """`mechanism.synthetic`: type and value are meaningless (e.g. `captureMessage`)."""
    frames: list[RawFrame] = field(default_factory=list)


def keep_newest(frames: list[RawFrame], limit: int = MAX_FRAMES) -> list[RawFrame]:
    """Cap a stack, keeping the newest frames (the crash end)."""
    return frames[-limit:] if len(frames) > limit else frames
