"""The suspect commit in the hover (local blame through libgit2), over the protocol against a
running backend and a real repository: who last changed the crashing line and a caller's line
before the deployed commit, with the commit's title and date, and "changed since the deploy"
once the working copy differs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lspkit import initialize, open_file, options, wait_diagnostics
from lsprotocol import types
from pytest_lsp import LanguageClient

from workspace import Tenant, git

FIRST = "def divide(a, b):\n    return a / b\n\n\ndef caller(x):\n    return divide(x, 0)\n"
# Moves nothing: only the caller's line changes, by someone else.
SECOND = FIRST.replace("return divide(x, 0)", "return divide(x, 0)  # why zero")


def commit_as(root: Path, name: str, message: str, when: str) -> str:
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": f"{name.lower()}@example.com",
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": f"{name.lower()}@example.com",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "HOME": str(root),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True, env=env)
    return git(root, "rev-parse", "HEAD")


async def test_hover_names_the_suspect_commit(
    client: LanguageClient, tenant: Tenant, tmp_path: Path
) -> None:
    root = tmp_path / "shop"
    (root / "app").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "git@github.com:acme/shop.git")
    (root / "app" / "calc.py").write_text(FIRST)
    commit_as(root, "Ada", "Divide without a guard\n\nlong body", "2026-01-02T10:00:00Z")
    (root / "app" / "calc.py").write_text(SECOND)
    deployed = commit_as(root, "Grace", "Explain the caller", "2026-01-03T10:00:00Z")
    caller = {"filename": "app/calc.py", "function": "caller", "lineno": 6, "in_app": True,
              "context_line": "    return divide(x, 0)  # why zero"}  # fmt: skip
    await tenant.report(
        path="app/calc.py", line=2, commit=deployed, context_line="    return a / b",
        error_type="ZeroDivisionError", message="division by zero", function="divide",
        extra_frames=[caller],
    )  # fmt: skip

    await initialize(client, root, options(tenant))
    uri = open_file(client, root / "app" / "calc.py")
    await wait_diagnostics(client, uri, lambda d: len(d) == 1)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 6))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    ada = git(root, "rev-parse", "HEAD~1")[:7]
    assert (
        f'Suspect commit: last changed by Ada, 2026-01-02, {ada} "Divide without a guard"' in text
    )
    assert "changed since the deploy" not in text
    assert f'last changed by Grace, 2026-01-03, {deployed[:7]} "Explain the caller"' in text

    # The crashing line edited in the working copy (saved): the hover says so.
    edited = SECOND.replace("return a / b", "return a / b if b else 0")
    (root / "app" / "calc.py").write_text(edited)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        )
    )
    await wait_diagnostics(client, uri, lambda d: len(d) == 1 and "changed" in d[0].message)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 6))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Ada" in hover.contents.value
    assert "*changed since the deploy*" in hover.contents.value
