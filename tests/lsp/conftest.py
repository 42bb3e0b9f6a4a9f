"""Fixtures for the language-server tests: real git repositories and an LSP client.

`make_repo` builds a real repository whose history moves lines between the incident's commit
and HEAD; `tenant` is a user of a running `railguard serve` (real PostgreSQL) whose project is
that repository. The `client` fixture starts `python -m railguard.lsp` over stdio with pytest-lsp,
parametrised over VS Code (utf-16, showDocument) and Neovim 0.11 (utf-8) capabilities.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lspkit import ABOVE_IN_B, CALC_AT_A, REPOSITORY, SERVER_ENV, Repo, git
from pytest_lsp import ClientServerConfig, LanguageClient

from workspace import Tenant, new_tenant


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[], Repo]:
    def make() -> Repo:
        root = tmp_path / "shop"
        (root / "app").mkdir(parents=True)
        git(root, "init", "-q", "-b", "main")
        git(root, "remote", "add", "origin", "git@github.com:acme/shop.git")
        (root / "app" / "calc.py").write_text(CALC_AT_A)
        git(root, "add", ".")
        git(root, "commit", "-q", "-m", "A")
        commit_a = git(root, "rev-parse", "HEAD")
        (root / "app" / "calc.py").write_text(ABOVE_IN_B + CALC_AT_A.replace("    pass\n", ""))
        git(root, "commit", "-q", "-am", "B: lines above, lines below removed")
        return Repo(root.resolve(), commit_a, git(root, "rev-parse", "HEAD"))

    return make


@pytest.fixture
def repo(make_repo: Callable[[], Repo]) -> Repo:
    return make_repo()


@pytest.fixture
async def tenant(served_backend: Any) -> Tenant:
    """A user of the running backend whose project is the test repository's `origin`."""
    return await new_tenant(served_backend.url, REPOSITORY)


CLIENTS = ["visual-studio-code", "neovim@v0.11"]


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "railguard.lsp"], server_env=SERVER_ENV
    ),
    params=CLIENTS,
)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A connected client; tests call `initialize` themselves (they choose the options)."""
    lsp_client.client_spec = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()
