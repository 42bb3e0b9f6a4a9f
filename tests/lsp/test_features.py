"""Each feature module in process (`factory.set_up`, no subprocess, no backend): a real git
repository whose history moved the crash line, and the messages the server sends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from inprocess import InProcess
from lspkit import ABOVE_IN_B, Repo, git, make_incident
from lsprotocol import types

from railguard.lsp.features.session import Outcome
from railguard.lsp.io.backend import BackendError

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
CRASH_NOW = 14  # "return a / b": line 10 at commit A, five lines inserted above at HEAD


@pytest.fixture
async def lsp(repo: Repo) -> InProcess:
    server = InProcess()
    server.initialize(repo.root)
    incident = make_incident(
        1, path="app/calc.py", line=10, commit=repo.commit_a, context_line="    return a / b"
    )
    await server.attach(1, [incident])
    return server


async def test_repositories_find_the_folder_identity_head_and_paths(
    lsp: InProcess, repo: Repo
) -> None:
    repositories = lsp.features.repositories
    (folder,) = repositories.folders.values()
    assert folder.identity == "github.com/acme/shop" and folder.head == repo.head
    assert repositories.locate(repo.calc.as_uri()) == (folder, "app/calc.py")
    assert repositories.locate((repo.root.parent / "elsewhere.py").as_uri()) is None
    assert (await repositories.index_for(folder)).resolve("/srv/app/app/calc.py") == "app/calc.py"


async def test_publishing_places_and_publishes_then_clears_on_close(
    lsp: InProcess, repo: Repo
) -> None:
    uri = lsp.open(repo.calc)
    await lsp.features.publishing.publish(uri)
    (published,) = lsp.sink.notifications(PUBLISH)
    assert published["uri"] == uri and published["version"] == 1
    (diagnostic,) = published["diagnostics"]
    assert diagnostic["range"]["start"]["line"] == CRASH_NOW
    assert diagnostic["data"] == {"incidentId": 1, "placement": "exact"}
    lsp.deliver(types.TEXT_DOCUMENT_DID_CLOSE, {"textDocument": {"uri": uri}})
    await asyncio.sleep(0)
    assert lsp.sink.notifications(PUBLISH)[-1] == {"uri": uri, "diagnostics": []}
    assert uri not in lsp.features.publishing.placed


async def test_an_edit_moves_the_diagnostic(lsp: InProcess, repo: Repo) -> None:
    uri = lsp.open(repo.calc)
    lsp.deliver(
        types.TEXT_DOCUMENT_DID_CHANGE,
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": "# one more line\n" + repo.calc.read_text()}],
        },
    )
    await lsp.features.publishing.publish(uri)
    published = lsp.sink.notifications(PUBLISH)[-1]
    assert published["version"] == 2
    assert published["diagnostics"][0]["range"]["start"]["line"] == CRASH_NOW + 1


async def test_status_counts_and_tells_a_problem_once(lsp: InProcess, repo: Repo) -> None:
    status = lsp.features.status
    body = status.body()
    assert body["connected"] is False and body["problem"] is None
    assert body["projects"] == [
        {
            "folder": repo.root.as_uri(),
            "repository": "github.com/acme/shop",
            "projectId": 1,
            "openIncidents": 1,
            "monitorsDown": None,
        }
    ]
    status.set_problem("Railguard: down")
    status.set_problem("Railguard: down")
    shown = lsp.sink.notifications(types.WINDOW_SHOW_MESSAGE)
    assert [m["message"] for m in shown] == ["Railguard: down"]
    (notified,) = lsp.sink.notifications("railguard/status")
    assert notified["problem"] == "Railguard: down"
    status.set_monitors_down({1: 2})
    status.set_monitors_down({1: 2})  # unchanged: no second notification
    (_, counted) = lsp.sink.notifications("railguard/status")
    assert counted["projects"][0]["monitorsDown"] == 2


async def test_actions_quick_fixes_list_and_no_backend(lsp: InProcess, repo: Repo) -> None:
    uri = lsp.open(repo.calc)
    await lsp.features.publishing.publish(uri)
    actions = lsp.features.actions
    (listed,) = await lsp.features.workspace.list_incidents()
    assert listed["incidentId"] == 1 and listed["line"] == CRASH_NOW and listed["uri"] == uri
    diagnostic = types.Diagnostic(
        range=types.Range(types.Position(CRASH_NOW, 0), types.Position(CRASH_NOW, 1)),
        message="m",
        source="railguard",
        data={"incidentId": 1, "placement": "exact"},
    )
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic, diagnostic]),
    )
    fixes = await actions.code_actions(params)
    assert fixes is not None and len(fixes) == 5
    assert [f.is_preferred for f in fixes] == [True, None, None, None, None]
    with pytest.raises(BackendError, match="not connected"):
        await actions.resolve(1)


async def test_hover_without_a_backend_shows_what_the_record_knows(
    lsp: InProcess, repo: Repo
) -> None:
    uri = lsp.open(repo.calc)
    await lsp.features.publishing.publish(uri)
    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(CRASH_NOW, 3),
    )
    hover = await lsp.features.hover.hover(params)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "ZeroDivisionError" in hover.contents.value
    assert f"{repo.calc.as_uri()}#L{CRASH_NOW + 1}" in hover.contents.value
    other = types.HoverParams(text_document=params.text_document, position=types.Position(0, 0))
    assert await lsp.features.hover.hover(other) is None


async def test_the_head_watcher_sees_a_commit_and_republishes(lsp: InProcess, repo: Repo) -> None:
    uri = lsp.open(repo.calc)
    watcher = lsp.features.watcher
    assert await watcher.check() is False
    repo.calc.write_text(ABOVE_IN_B + repo.calc.read_text())
    git(repo.root, "commit", "-q", "-am", "C: more lines above")
    assert await watcher.check() is True
    (folder,) = lsp.features.repositories.folders.values()
    assert folder.head == git(repo.root, "rev-parse", "HEAD")
    assert lsp.sink.notifications(PUBLISH)[-1]["uri"] == uri


async def test_incidents_apply_and_find(lsp: InProcess, repo: Repo) -> None:
    incidents = lsp.features.incidents
    found = incidents.find(1)
    assert found is not None and found.status == "open"
    done = make_incident(1, path="app/calc.py", line=10, commit=repo.commit_a)
    incidents.apply(done.model_copy(update={"status": "resolved"}))
    assert incidents.find(1) is None and list(incidents.shown(1)) == []
    assert (await incidents.full(1)).status == "resolved"  # the LRU keeps the latest


async def test_a_hidden_incident_leaves_the_editor(lsp: InProcess, repo: Repo) -> None:
    """Merged into another or deleted in the web app: the live feed says `hidden`."""
    incidents = lsp.features.incidents
    assert incidents.find(1) is not None
    shown = make_incident(1, path="app/calc.py", line=10, commit=repo.commit_a)
    incidents.apply(shown.model_copy(update={"hidden": True, "merged_into": 2}))
    assert incidents.find(1) is None and list(incidents.shown(1)) == []
    incidents.apply(shown)
    assert incidents.find(1) is not None


async def test_session_without_settings_needs_them(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RAILGUARD_URL", "RAILGUARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    lsp = InProcess()
    lsp.initialize(repo.root, {"severity": {"warning": "Loud"}, "showRelatedFrames": False})
    session = lsp.features.session
    assert lsp.server.options.show_related_frames is False
    assert await session.connect() is Outcome.NEEDS_SETTINGS
    assert lsp.server.problem is not None and "no server configured" in lsp.server.problem
