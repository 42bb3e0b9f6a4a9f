"""Hover on an incident's line: its stack trace as Markdown, with links to current lines.

The incidents keep a compact record each; the whole stack comes from the backend (then a small
LRU, features/incidents.py). When the backend cannot be reached, the hover shows what the
record knows: the crash frame and the other in-app frames.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from lsprotocol import types
from pygls.uris import from_fs_path

from railguard.lsp.core import linemap as pl
from railguard.lsp.core.diagnostics import PlacedIncident, line_range
from railguard.lsp.core.linerules import FrameContext
from railguard.lsp.core.paths import innermost_first
from railguard.lsp.core.records import FrameRef, IncidentRecord
from railguard.lsp.core.traces import UNKNOWN_TIME, hover_markdown
from railguard.lsp.features.incidents import Incidents
from railguard.lsp.features.placement import Placer
from railguard.lsp.features.publishing import Publishing
from railguard.lsp.features.repositories import Repositories
from railguard.lsp.io.backend import BackendError
from railguard.lsp.io.git import BlameLine
from railguard.lsp.server import RailguardServer
from railguard.wire.models import FixState, Frame, Incident

log = logging.getLogger(__name__)
#: In-app frames of a hover whose line is blamed (libgit2's blame walks history: a few ms each).
BLAMED_FRAMES = 5


def blame_text(blame: BlameLine) -> str:
    """`Ada Lovelace, 2026-01-02, abc1234 "Title"` for a hover."""
    title = blame.summary if len(blame.summary) <= 72 else blame.summary[:71] + "…"
    return f'{blame.author}, {blame.when:%Y-%m-%d}, {blame.commit[:7]} "{title}"'


def from_record(
    record: IncidentRecord, context: FrameContext, callers: tuple[FrameRef, ...]
) -> Incident:
    """A stand-in for the full incident, from what the record knows (backend unreachable)."""
    frames = [
        Frame.model_construct(
            path=c.path, original_path=c.original_path, module=c.module, function=c.function,
            line=c.line, column=None, in_app=True, context_line=c.context_line,
            pre_context=[], post_context=[],
        )
        for c in reversed(callers)
    ]  # fmt: skip
    if record.crash is not None:
        c = record.crash
        frames.append(
            Frame.model_construct(
                path=c.path, original_path=c.original_path, module=c.module, function=c.function,
                line=c.line, column=c.column, in_app=True, context_line=context.context_line,
                pre_context=list(context.pre_context), post_context=list(context.post_context),
            )
        )  # fmt: skip
    fix = None
    if record.awaiting is not None:
        fix = FixState(
            commit=record.awaiting[0], state="awaiting_deploy", ancestry_known=record.awaiting[1]
        )
    # The record keeps neither the first sighting nor the grouping: the hover shows the first as
    # unknown and never reads the others.
    return Incident.model_construct(
        fix=fix,
        id=record.id, project_id=record.project_id, status=record.status, level=record.level,
        error_type="", message="", title=record.title, fingerprint="", grouping_version=0,
        event_count=record.event_count, first_seen=UNKNOWN_TIME, last_seen=record.last_seen,
        environments=list(record.environments), latest_commit=record.commit,
        first_commit=record.commit, top_frame=None, stack=frames, change_seq=record.change_seq,
        change_kind="updated", url=record.url,
    )  # fmt: skip


@dataclass(eq=False)
class Hover:
    server: RailguardServer
    repositories: Repositories
    incidents: Incidents
    placer: Placer
    publishing: Publishing

    async def _full_incident(self, placed: PlacedIncident) -> Incident:
        shown = placed.incident
        if isinstance(shown, Incident):
            return shown
        try:
            return await self.incidents.full(shown.id)
        except BackendError as e:
            log.info("hover of incident %s without its full stack: %s", shown.id, e)
            state = self.incidents.projects.get(shown.project_id)
            context, callers = state.incidents.details(shown) if state else (FrameContext(), ())
            return from_record(shown, context, callers)

    async def _frame_links(
        self, uri: str, incident: Incident, commit: str | None
    ) -> tuple[dict[int, str], dict[int, BlameLine]]:
        """Link targets (`file:` URI `#L<line>`) for the frames that are files of the workspace,
        and who last changed each of the first `BLAMED_FRAMES` of them as of `commit` (local
        blame, docs/language-server.md)."""
        located = self.repositories.locate(uri)
        if located is None:
            return {}, {}
        folder, _ = located
        assert folder.info is not None
        index = await self.repositories.index_for(folder)
        links: dict[int, str] = {}
        blames: dict[int, BlameLine] = {}
        for i, frame in enumerate(innermost_first(incident)):
            if not frame.in_app or frame.line is None:
                continue
            rel = index.resolve(frame.path, frame.original_path)
            if rel is None:
                continue
            if commit and folder.repo is not None and len(blames) < BLAMED_FRAMES:
                if await folder.repo.has_commit(commit):
                    blame = await folder.repo.blame_line(commit, rel, frame.line)
                    if blame is not None:
                        blames[i] = blame
            context = FrameContext(
                frame.context_line, tuple(frame.pre_context), tuple(frame.post_context)
            )
            line = await self.placer.current_line(folder, rel, commit, frame.line, context)
            target = from_fs_path(str(folder.info.toplevel / rel))
            if line is not None and target:
                links[i] = f"{target}#L{line + 1}"
        return links, blames

    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        """The incidents on the hovered line, each with its stack trace."""
        uri = params.text_document.uri
        doc = self.server.workspace.text_documents.get(uri)
        line = params.position.line
        here = [p for p in self.publishing.placed.get(uri, []) if p.placement.line == line]
        if doc is None or not here:
            return None
        parts = []
        for placed in here:
            incident = await self._full_incident(placed)
            links, blames = await self._frame_links(uri, incident, placed.commit)
            parts.append(
                hover_markdown(
                    incident,
                    commit=placed.commit,
                    placement=placed.placement.kind.value,
                    locations=links,
                    blames={i: blame_text(b) for i, b in blames.items()},
                )
            )
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
            ),
            range=line_range(pl.split_lines(doc.source), line, self.server.encoding),
        )


def setup(hover: Hover) -> Hover:
    """Register the handlers of `hover` on its server."""
    server = hover.server
    server.handle(types.TEXT_DOCUMENT_HOVER, hover.hover)
    return hover
