"""The workspace folders as git repositories: each folder's repository, identity, matched
project and last known HEAD, and each repository's file index. Tells the other features which
folder and repository-relative path an open document is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from railguard.lsp.core.paths import FileIndex
from railguard.lsp.io.git import GitRepo, RepoInfo, repo_info, repository_identity
from railguard.lsp.server import RailguardServer


@dataclass
class FolderState:
    """A workspace folder: its repository, identity, project and last known HEAD."""

    uri: str
    path: Path
    info: RepoInfo | None = None
    repo: GitRepo | None = None
    identity: str | None = None
    project_id: int | None = None
    head: str | None = None
    fingerprint: tuple[int, ...] = ()


class Repositories:
    """The folders (by URI), one `GitRepo` per top level, one `FileIndex` per top level."""

    def __init__(self, server: RailguardServer) -> None:
        self._server = server
        self.folders: dict[str, FolderState] = {}
        self._repos: dict[Path, GitRepo] = {}
        self._file_index: dict[Path, tuple[list[str], FileIndex]] = {}

    def workspace_folders(self) -> dict[str, Path]:
        """The client's folders (or its root) as paths, by URI."""
        workspace = self._server.workspace
        out: dict[str, Path] = {}
        folders = list(workspace.folders.values())
        if not folders and workspace.root_uri:
            folders = [types.WorkspaceFolder(uri=workspace.root_uri, name="root")]
        for folder in folders:
            fs = to_fs_path(folder.uri)
            if fs is not None:
                out[folder.uri] = Path(fs)
        return out

    async def discover(self) -> None:
        """Repository, identity and HEAD of every workspace folder (projects not matched)."""
        found: dict[str, FolderState] = {}
        for uri, path in self.workspace_folders().items():
            state = FolderState(uri=uri, path=path)
            state.info = await repo_info(path)
            if state.info is not None:
                top = state.info.toplevel
                state.repo = self._repos.setdefault(top, GitRepo(top))
                state.identity = await repository_identity(top)
                state.head = state.info.head
                state.fingerprint = await state.repo.head_fingerprint()
            found[uri] = state
        self.folders = found

    def project_ids(self) -> set[int]:
        return {f.project_id for f in self.folders.values() if f.project_id is not None}

    def folder_for_path(self, path: Path) -> FolderState | None:
        """The folder with a project whose repository contains `path` (deepest top level)."""
        best: FolderState | None = None
        for folder in self.folders.values():
            if folder.info is None or folder.project_id is None:
                continue
            top = folder.info.toplevel
            if path.is_relative_to(top) and (
                best is None or best.info is None or len(top.parts) > len(best.info.toplevel.parts)
            ):
                best = folder
        return best

    def locate(self, uri: str) -> tuple[FolderState, str] | None:
        """(folder, repository-relative path) of a document, or None (not ours)."""
        fs = to_fs_path(uri)
        if fs is None:
            return None
        path = Path(os.path.realpath(fs))
        folder = self.folder_for_path(path)
        if folder is None or folder.info is None:
            return None
        return folder, path.relative_to(folder.info.toplevel).as_posix()

    async def index_for(self, folder: FolderState) -> FileIndex:
        """The repository's file index, rebuilt when `GitRepo.files` gave a new list (HEAD
        moved; the HEAD watcher keeps `folder.head`, so a publish does not ask git)."""
        assert folder.info is not None and folder.repo is not None
        top = folder.info.toplevel
        files = await folder.repo.files(head=folder.head)
        current = self._file_index.get(top)
        if current is None or current[0] is not files:
            same = current is not None and current[1].files == frozenset(files)
            # Same files (HEAD moved, nothing added or removed): keep the index's answers.
            index = current[1] if current is not None and same else FileIndex(files)
            current = self._file_index[top] = (files, index)
        return current[1]

    def folder_for_project(self, project_id: int | None) -> FolderState | None:
        """A folder of this project with a HEAD, else any folder with one."""
        for folder in self.folders.values():
            if project_id is not None and folder.project_id == project_id and folder.head:
                return folder
        return next((f for f in self.folders.values() if f.head), None)

    def head_for_project(self, project_id: int | None) -> str | None:
        """HEAD of a folder of this project, else of any folder (recorded with a resolve)."""
        for folder in self.folders.values():
            if project_id is not None and folder.project_id == project_id and folder.head:
                return folder.head
        return next((f.head for f in self.folders.values() if f.head), None)


def setup(server: RailguardServer) -> Repositories:
    return Repositories(server)
