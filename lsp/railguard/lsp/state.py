"""What the language server knows about each workspace folder and each project it shows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from railguard.lsp.core.records import ProjectStore
from railguard.lsp.io.git import GitRepo, RepoInfo


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


@dataclass
class ProjectState:
    """A project's shown incidents (compact records), live-feed position and task."""

    project_id: int
    incidents: ProjectStore = field(default_factory=ProjectStore)
    seq: int | None = None
    connected: bool = False
    task: asyncio.Task[None] | None = None
