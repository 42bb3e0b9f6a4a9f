"""Hover on an incident's line: its stack trace as Markdown, with links to current lines."""

from __future__ import annotations

from lsprotocol import types
from pygls.uris import from_fs_path

from railguard.lsp.diagnostics import PlacedIncident, line_range
from railguard.lsp.hover import hover_markdown
from railguard.lsp.paths import innermost_first
from railguard.lsp.placement import split_lines
from railguard.lsp.server import RailguardServer, server


async def frame_links(ls: RailguardServer, uri: str, placed: PlacedIncident) -> dict[int, str]:
    """Link targets (`file:` URI `#L<line>`) for the frames that are files of the workspace."""
    located = ls.locate(uri)
    if located is None:
        return {}
    folder, _ = located
    assert folder.info is not None
    index = await ls.index_for(folder)
    links: dict[int, str] = {}
    for i, frame in enumerate(innermost_first(placed.incident)):
        if not frame.in_app or frame.line is None:
            continue
        rel = index.resolve(frame.path, frame.original_path)
        if rel is None:
            continue
        line = await ls.current_line(folder, rel, placed.commit, frame)
        target = from_fs_path(str(folder.info.toplevel / rel))
        if line is not None and target:
            links[i] = f"{target}#L{line + 1}"
    return links


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: RailguardServer, params: types.HoverParams) -> types.Hover | None:
    """The incidents on the hovered line, each with its stack trace."""
    uri = params.text_document.uri
    doc = ls.workspace.text_documents.get(uri)
    here = [p for p in ls.placed.get(uri, []) if p.placement.line == params.position.line]
    if doc is None or not here:
        return None
    parts = []
    for placed in here:
        links = await frame_links(ls, uri, placed)
        parts.append(
            hover_markdown(
                placed.incident,
                commit=placed.commit,
                placement=placed.placement.kind.value,
                locations=links,
            )
        )
    lines = split_lines(doc.source)
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
        ),
        range=line_range(lines, params.position.line, ls.encoding),
    )
