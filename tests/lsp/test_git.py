"""Async git against real repositories in tmp_path."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from lspkit import CALC_AT_A, Repo, git

from railguard.lsp.io.git import GitRepo, repo_info


async def test_repo_info_at_the_root(repo: Repo) -> None:
    info = await repo_info(repo.root)
    assert info is not None
    assert info.toplevel == repo.root and info.prefix == ""
    assert info.head == repo.head and info.shallow is False


async def test_monorepo_subfolder_prefix(repo: Repo) -> None:
    info = await repo_info(repo.root / "app")
    assert info is not None and info.toplevel == repo.root and info.prefix == "app/"


async def test_not_a_repository(tmp_path: Path) -> None:
    assert await repo_info(tmp_path) is None


async def test_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    info = await repo_info(tmp_path)
    assert info is not None and info.head is None


async def test_file_at_commit_and_missing_commit(repo: Repo) -> None:
    g = GitRepo(repo.root)
    assert await g.file_at(repo.commit_a, "app/calc.py") == CALC_AT_A
    assert await g.file_at(repo.commit_a, "app/nope.py") is None
    missing = "0123456789abcdef0123456789abcdef01234567"
    assert await g.has_commit(missing) is False
    assert await g.file_at(missing, "app/calc.py") is None
    assert await g.has_commit(repo.commit_a) is True


async def test_shallow_clone_lacks_the_old_commit(
    make_repo: Callable[[], Repo], tmp_path: Path
) -> None:
    origin = make_repo()
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth=1", origin.root.as_uri(), str(clone)],
        check=True,
        capture_output=True,
    )
    info = await repo_info(clone)
    assert info is not None and info.shallow is True and info.head == origin.head
    g = GitRepo(clone)
    assert await g.has_commit(origin.commit_a) is False
    assert await g.has_commit(origin.head) is True


async def test_files_and_head_moves(repo: Repo) -> None:
    g = GitRepo(repo.root)
    assert await g.files() == ["app/calc.py"]
    before = await g.head_fingerprint()
    (repo.root / "app" / "new.py").write_text("x = 1\n")
    assert "app/new.py" not in await g.files()  # the list is cached until HEAD moves
    git(repo.root, "add", ".")
    git(repo.root, "commit", "-q", "-m", "C")
    assert await g.head_fingerprint() != before
    assert await g.head() != repo.head
    assert await g.files() == ["app/calc.py", "app/new.py"]


async def test_a_linked_work_tree(repo: Repo, tmp_path: Path) -> None:
    """A `git worktree`: HEAD is in its own git directory, the branches in the main one."""
    linked = tmp_path / "linked"
    git(repo.root, "worktree", "add", "-q", "-b", "side", str(linked))
    info = await repo_info(linked / "app")
    assert info is not None and info.toplevel == linked.resolve() and info.prefix == "app/"
    g = GitRepo(linked)
    before = await g.head_fingerprint()
    (linked / "app" / "calc.py").write_text("x = 1\n")
    git(linked, "commit", "-q", "-am", "on the side")
    assert await g.head_fingerprint() != before
    assert await g.head() == git(linked, "rev-parse", "HEAD") != repo.head
    assert await g.file_at(repo.commit_a, "app/calc.py") == CALC_AT_A
