"""Fixtures for the language-server tests: real git repositories and an LSP client.

`make_repo` builds a real repository whose history moves lines between the incident's commit
and HEAD. The `lsp` fixture starts `python -m railguard.lsp` over stdio with pytest-lsp,
parametrised over VS Code (utf-16, showDocument) and Neovim 0.11 (utf-8) capabilities.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_lsp
import standin_backend as standin
from aiohttp.test_utils import TestServer
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

REPOSITORY = "github.com/acme/shop"

CALC_AT_A = """\
import math


def helper(x):
    return math.sqrt(x)


def divide(a, b):
    # the crash below
    return a / b


def unused():
    pass
"""  # "return a / b" is line 10 at commit A

ABOVE_IN_B = """\
import os
import sys

BANNER = "☃ café 😀"

"""  # five lines inserted above at HEAD


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


@dataclass
class Repo:
    root: Path
    commit_a: str
    head: str

    @property
    def calc(self) -> Path:
        return self.root / "app" / "calc.py"


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
async def backend() -> AsyncIterator[standin.StandinState]:
    """DEVELOPMENT AID: the in-memory stand-in backend (see standin_backend.py)."""
    state = standin.StandinState(repository=REPOSITORY)
    state.projects.append(standin.project(REPOSITORY))
    server = TestServer(standin.create_app(state), host="127.0.0.1")
    await server.start_server()
    state.url = str(server.make_url("")).rstrip("/")
    yield state
    state.close()
    await server.close()


_CONFIG_HOME = tempfile.mkdtemp(prefix="railguard-lsp-test-")
SERVER_ENV = {k: v for k, v in os.environ.items() if not k.startswith("RAILGUARD_")}
SERVER_ENV["XDG_CONFIG_HOME"] = _CONFIG_HOME

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


async def initialize(client: LanguageClient, root: Path, options: dict[str, object]) -> None:
    spec = getattr(client, "client_spec", "visual-studio-code")
    uri = root.as_uri()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(spec),
            root_uri=uri,
            workspace_folders=[types.WorkspaceFolder(uri=uri, name=root.name)],
            initialization_options=options,
        )
    )
