"""The placement caches (`features.placement.Placer`) in process, on a real repository: what
is reused between publishes, and what an edit, a file change on disk or `invalidate` redoes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lspkit import Repo, git, make_incident
from pygls.workspace import TextDocument

from railguard.lsp.core.diagnostics import RelatedFrame
from railguard.lsp.core.linerules import FrameContext, PlacementKind
from railguard.lsp.core.paths import FileIndex
from railguard.lsp.core.records import ProjectStore
from railguard.lsp.features.placement import Placer
from railguard.lsp.features.repositories import FolderState
from railguard.lsp.io.git import GitRepo, repo_info
from railguard.wire.models import Frame

MAIN = "import calc\n\n\ndef run():\n    return calc.divide(1, 0)\n"  # the call: line 5


class CountingRepo(GitRepo):
    """A real GitRepo that counts the file reads the Placer asks of it."""

    reads = 0

    async def file_at(self, commit: str, path: str) -> str | None:
        self.reads += 1
        return await super().file_at(commit, path)


@pytest.fixture
async def setup(repo: Repo) -> tuple[Repo, FolderState, ProjectStore, FileIndex]:
    (repo.root / "app" / "main.py").write_text(MAIN)
    git(repo.root, "add", ".")
    git(repo.root, "commit", "-q", "-m", "main")
    info = await repo_info(repo.root)
    assert info is not None
    folder = FolderState(repo.root.as_uri(), repo.root, info, CountingRepo(repo.root))
    folder.head = info.head
    caller = Frame(path="app/main.py", function="run", line=5, in_app=True,
                   context_line="    return calc.divide(1, 0)")  # fmt: skip
    incident = make_incident(
        1, path="app/calc.py", line=10, commit=repo.commit_a, context_line="    return a / b"
    )
    incident = incident.model_copy(update={"stack": [caller, incident.top_frame]})
    store = ProjectStore()
    store.put(store.record(incident))
    index = FileIndex(await folder.repo.files())  # type: ignore[union-attr]
    return repo, folder, store, index


def document(path: Path, version: int, text: str | None = None) -> TextDocument:
    return TextDocument(path.as_uri(), path.read_text() if text is None else text, version)


async def test_a_publish_reuses_the_diff_and_the_related_frames(
    setup: tuple[Repo, FolderState, ProjectStore, FileIndex],
) -> None:
    repo, folder, store, index = setup
    doc = document(repo.calc, 1)
    placer = Placer(lambda: {doc.uri: doc})
    counting = folder.repo
    assert isinstance(counting, CountingRepo)

    async def place(d: TextDocument) -> tuple[int | None, tuple[RelatedFrame, ...]]:
        (placed,) = await placer.place_document(
            d.uri, d, folder, "app/calc.py", store, index, related=True
        )
        assert placed.placement.kind == PlacementKind.EXACT
        return placed.placement.line, placed.related

    line, related = await place(doc)
    assert line == 14 and [(r.line, r.label) for r in related] == [
        (4, "called from app/main.py:5 in run")
    ]
    reads = counting.reads
    again = await place(doc)
    assert again[1] is related and counting.reads == reads  # nothing read or diffed again

    line, _ = await place(document(repo.calc, 2, "# top\n" + doc.source))  # an edit
    assert line == 15 and counting.reads == reads  # the commit's lines came from version 1


async def test_a_caller_file_changed_on_disk_moves_the_related_frame(
    setup: tuple[Repo, FolderState, ProjectStore, FileIndex],
) -> None:
    repo, folder, store, index = setup
    doc = document(repo.calc, 1)
    placer = Placer(lambda: {doc.uri: doc})
    (first,) = await placer.place_document(
        doc.uri, doc, folder, "app/calc.py", store, index, related=True
    )
    main = repo.root / "app" / "main.py"
    main.write_text("# a new first line\n" + MAIN)
    stat = main.stat()
    os.utime(main, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    (second,) = await placer.place_document(
        doc.uri, doc, folder, "app/calc.py", store, index, related=True
    )
    assert [r.line for r in first.related] == [4] and [r.line for r in second.related] == [5]


async def test_current_line_of_a_file_on_disk_and_invalidate(
    setup: tuple[Repo, FolderState, ProjectStore, FileIndex],
) -> None:
    repo, folder, _, _ = setup  # calc.py is not open: read from disk
    placer = Placer(lambda: {})
    context = FrameContext("    return a / b")
    assert await placer.current_line(folder, "app/calc.py", repo.commit_a, 10, context) == 14
    counting = folder.repo
    assert isinstance(counting, CountingRepo)
    reads = counting.reads
    assert await placer.current_line(folder, "app/calc.py", repo.commit_a, 10, context) == 14
    assert counting.reads == reads
    placer.invalidate()
    assert await placer.current_line(folder, "app/calc.py", repo.commit_a, 10, context) == 14
    assert counting.reads == reads + 1
    assert await placer.current_line(folder, "app/gone.py", repo.commit_a, 10, context) is None
