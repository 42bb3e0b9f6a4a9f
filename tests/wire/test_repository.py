"""Repository identity: `normalize_repository` table, and `insteadOf` rewrites in the LSP's
origin lookup (a real `git init` repository)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from railguard.lsp.io.git import remote_url, repository_identity
from railguard.wire.repository import InvalidRepository, normalize_repository


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        pytest.param("https://github.com/Acme/Shop.git", "github.com/acme/shop", id="https"),
        pytest.param("https://github.com/acme/shop", "github.com/acme/shop", id="https-no-git"),
        pytest.param("http://git.example.org/team/app.git", "git.example.org/team/app", id="http"),
        pytest.param("git@github.com:acme/shop.git", "github.com/acme/shop", id="scp-like"),
        pytest.param("github.com:acme/shop", "github.com/acme/shop", id="scp-like-no-user"),
        pytest.param(
            "ssh://git@git.example.org:2222/team/app.git", "git.example.org/team/app", id="ssh-port"
        ),
        pytest.param("git://git.example.org/team/app.git", "git.example.org/team/app", id="git"),
        pytest.param(
            "https://user:ghp_secret@github.com/acme/shop.git",
            "github.com/acme/shop",
            id="credentials-dropped",
        ),
        pytest.param(
            "https://GitLab.example.com/group/sub/repo.git",
            "gitlab.example.com/group/sub/repo",
            id="gitlab-subgroups",
        ),
        pytest.param(
            "https://dev.azure.com/org/proj/_git/repo", "dev.azure.com/org/proj/repo", id="azure"
        ),
        pytest.param(
            "git@ssh.dev.azure.com:v3/org/proj/repo", "dev.azure.com/org/proj/repo", id="azure-ssh"
        ),
        pytest.param("https://github.com/acme/shop.git/", "github.com/acme/shop", id="slash"),
        pytest.param("github.com/acme/shop/", "github.com/acme/shop", id="identity-itself"),
        pytest.param(
            "https://git.example.org/Team/App.git", "git.example.org/Team/App", id="case-kept-else"
        ),
    ],
)
def test_normalize(url: str, identity: str) -> None:
    assert normalize_repository(url) == identity


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("/srv/git/shop.git", id="local-path"),
        pytest.param("file:///srv/git/shop.git", id="file-url"),
        pytest.param("https://github.com/acme", id="no-name"),
        pytest.param("ftp://example.org/a/b", id="bad-scheme"),
        pytest.param("https://exa_mple.org/a/b", id="bad-host"),
        pytest.param("https://github.com/acme/../shop", id="dot-dot"),
    ],
)
def test_normalize_refuses(url: str) -> None:
    with pytest.raises(InvalidRepository):
        normalize_repository(url)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


def test_insteadof_rewrites_are_honoured(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "url.git@github.com:acme/.insteadOf", "acme:")
    git(tmp_path, "remote", "add", "origin", "acme:shop.git")
    assert asyncio.run(remote_url(tmp_path)) == "git@github.com:acme/shop.git"
    assert asyncio.run(repository_identity(tmp_path)) == "github.com/acme/shop"


def test_without_origin_the_first_remote_is_used(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "remote", "add", "upstream", "https://gitlab.com/grp/sub/app.git")
    assert asyncio.run(repository_identity(tmp_path)) == "gitlab.com/grp/sub/app"


def test_local_remote_has_no_identity(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "remote", "add", "origin", "/srv/git/shop.git")
    assert asyncio.run(repository_identity(tmp_path)) is None
