"""What the MCP tools do, apart from the protocol: find the caller's project from the working
copy, list and search its incidents with their current lines, one incident with its stack
mapped to current lines and the suspect commit (local blame), and triage with the user's token
(the backend decides what that token may do)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from railguard.lsp.core.paths import crash_frame, innermost_first
from railguard.lsp.core.projects import match_project
from railguard.lsp.io.backend import Action, Backend, BackendError
from railguard.lsp.mcpserver.workcopy import NotARepository, WorkingCopy
from railguard.wire.models import Incident

#: Incidents a list answers with at most (an assistant reads them all).
MAX_LIST = 200


class ToolFailure(Exception):
    """A tool's failure, told to the assistant in one sentence."""


class Tools:
    """The tools over one backend; each call names the working copy it is about (default: the
    directory the server was started in)."""

    def __init__(self, backend: Backend, default_folder: Path) -> None:
        self.backend = backend
        self.default_folder = default_folder

    async def _open(self, folder: str | None) -> WorkingCopy:
        try:
            return await WorkingCopy.open(Path(folder) if folder else self.default_folder)
        except NotARepository as e:
            raise ToolFailure(str(e)) from None

    async def _copy(self, folder: str | None) -> tuple[WorkingCopy, int]:
        copy = await self._open(folder)
        projects = await self._call(self.backend.projects)
        project_id = match_project(copy.identity, projects)
        if project_id is None:
            raise ToolFailure(f"no project of yours has the repository {copy.identity or '?'}")
        return copy, project_id

    async def _call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        try:
            return await fn(*args, **kw)
        except BackendError as e:
            raise ToolFailure(str(e)) from None

    async def _summary(self, copy: WorkingCopy, incident: Incident) -> dict[str, Any]:
        commit = incident.latest_commit or incident.first_commit
        crash = crash_frame(incident)
        placed = await copy.place(crash, commit) if crash is not None else None
        out: dict[str, Any] = {
            "id": incident.id,
            "title": incident.title,
            "status": incident.status,
            "level": incident.level,
            "events": incident.event_count,
            "environments": incident.environments,
            "last_seen": incident.last_seen.isoformat(),
            "deployed_commit": commit,
            "url": incident.url,
            "file": placed.path if placed else None,
            "line": placed.line if placed else None,
            "reported_line": crash.line if crash else None,
            "placement": placed.placement if placed else "no in-app frame",
        }
        if incident.fix is not None:
            out["fix"] = incident.fix.model_dump(mode="json")
        return out

    async def list_incidents(
        self,
        folder: str | None = None,
        status: str = "open,acknowledged",
        environment: str | None = None,
        level: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        copy, project_id = await self._copy(folder)
        statuses = tuple(s.strip() for s in status.split(",") if s.strip())
        limit = max(1, min(limit, MAX_LIST))
        out: list[dict[str, Any]] = []
        pages = self.backend.incident_pages(project_id, statuses, view="editor", limit=limit)
        try:
            async for page in pages:
                for incident in page:
                    if environment and environment not in incident.environments:
                        continue
                    if level and incident.level != level:
                        continue
                    out.append(await self._summary(copy, incident))
                    if len(out) >= limit:
                        return out
        except BackendError as e:
            raise ToolFailure(str(e)) from None
        return out

    async def search_incidents(
        self, query: str, folder: str | None = None, status: str = "open,acknowledged"
    ) -> list[dict[str, Any]]:
        copy, project_id = await self._copy(folder)
        page = await self._call(self.backend.search, project_id, query, statuses=status)
        return [await self._summary(copy, i) for i in page.items]

    async def get_incident(self, incident_id: int, folder: str | None = None) -> dict[str, Any]:
        copy, _ = await self._copy(folder)
        incident = await self._call(self.backend.incident, incident_id)
        out = await self._summary(copy, incident)
        commit = incident.latest_commit or incident.first_commit
        frames = []
        for frame in innermost_first(incident):
            item: dict[str, Any] = {
                "function": frame.function, "reported_path": frame.path or frame.original_path,
                "reported_line": frame.line, "in_app": frame.in_app, "code": frame.context_line,
            }  # fmt: skip
            if frame.in_app:
                placed = await copy.place(frame, commit)
                item.update(file=placed.path, line=placed.line, placement=placed.placement)
            frames.append(item)
        out["stack"] = frames
        out["message"] = incident.message
        out["suspect"] = await self._suspect(copy, commit, out)
        return out

    async def _suspect(
        self, copy: WorkingCopy, commit: str | None, summary: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Who last changed the crashing line before the deployed commit (local blame)."""
        path, line = summary["file"], summary["reported_line"]
        if commit is None or path is None or line is None:
            return None
        blame = await copy.blame(commit, path, line)
        if blame is None:
            return None
        return {
            "commit": blame.commit, "author": blame.author, "email": blame.email,
            "date": blame.when.isoformat(), "title": blame.summary,
            "changed_since_deploy": summary["placement"] != "exact",
        }  # fmt: skip

    async def act(self, incident_id: int, action: Action, folder: str | None = None) -> Any:
        """Resolve (at the working copy's HEAD, with its ancestors) or acknowledge."""
        commit, ancestors = None, []
        if action == "resolve":
            copy = await self._open(folder)
            commit = copy.head
            if commit is not None:
                ancestors = await copy.repo.ancestors(commit)
        incident = await self._call(self.backend.act, incident_id, action, commit, ancestors)
        return {"id": incident.id, "status": incident.status,
                "fix": incident.fix.model_dump(mode="json") if incident.fix else None}  # fmt: skip
