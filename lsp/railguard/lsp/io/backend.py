"""The one HTTP client of the Railguard backend, used by the language server.

Parses every response with the `railguard.wire` models and turns every failure (connection,
timeout, HTTP error, bad JSON, unexpected shape) into `BackendError`; nothing else escapes,
so a misbehaving backend can never crash the server. `follow` reads the live feed
(Server-Sent Events), reconnects with capped exponential backoff and resumes from the last
`seq` it saw, so no change is missed across an outage.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import aiohttp
from pydantic import BaseModel, TypeAdapter, ValidationError

from railguard.wire.models import (
    ErrorResponse,
    Incident,
    IncidentChange,
    IncidentDetail,
    IncidentPage,
    Project,
    User,
)
from railguard.wire.uptime import MonitorSummary

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Action = Literal["resolve", "acknowledge", "ignore", "reopen"]
_PROJECTS = TypeAdapter(list[Project])
PAGE_LIMIT = 500
MAX_PAGES = 1000
BACKOFF_START = 0.5
BACKOFF_CAP = 60.0
#: The backend pings every 15 s; three missed pings mean the connection is dead.
LIVE_READ_TIMEOUT = 45.0


class BackendError(Exception):
    """Any failure talking to the backend. `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def unauthorized(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True, slots=True)
class SseEvent:
    event: str
    data: str
    id: str | None


class SseParser:
    """Incremental `text/event-stream` parser (WHATWG rules: `field: value` lines, a blank line
    ends an event, `:` starts a comment). Lines may be of any length, unlike
    `StreamReader.readline`, whose 64 KiB limit a large incident would exceed."""

    def __init__(self) -> None:
        self._buffer = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._event = "message"
        self._data: list[str] = []
        self._id: str | None = None

    def feed(self, chunk: bytes) -> list[SseEvent]:
        self._buffer += self._decoder.decode(chunk)
        out: list[SseEvent] = []
        while True:
            cut = min(
                (i for i in (self._buffer.find("\n"), self._buffer.find("\r")) if i >= 0),
                default=-1,
            )
            if cut < 0:
                return out
            line = self._buffer[:cut]
            step = 2 if self._buffer[cut : cut + 2] == "\r\n" else 1
            if self._buffer[cut] == "\r" and cut + 1 == len(self._buffer):
                return out  # a lone \r at the end may be the first half of \r\n
            self._buffer = self._buffer[cut + step :]
            event = self._line(line)
            if event is not None:
                out.append(event)

    def _line(self, line: str) -> SseEvent | None:
        if not line:
            if not self._data:
                self._event = "message"
                return None
            event = SseEvent(self._event, "\n".join(self._data), self._id)
            self._event, self._data = "message", []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        return None


class Backend:
    """Typed calls to `/api/v1`; one `aiohttp.ClientSession` per server."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=5.0)
        self._session: aiohttp.ClientSession | None = None

    @property
    def token(self) -> str:
        return self._token

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
                timeout=self._timeout,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self, method: str, path: str, *, params: Any = None, body: Any = None
    ) -> Any:
        raw = await self._raw(method, path, params=params, body=body)
        try:
            return json.loads(raw)
        except ValueError as e:
            raise BackendError(f"{method} {path}: the response is not JSON") from e

    async def _raw(self, method: str, path: str, *, params: Any = None, body: Any = None) -> bytes:
        url = f"{self.base_url}/api/v1{path}"
        try:
            async with self._client().request(method, url, params=params, json=body) as resp:
                raw = await resp.read()
                if resp.status >= 400:
                    raise _http_error(resp.status, raw)
                return raw
        except BackendError:
            raise
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            raise BackendError(f"cannot reach {self.base_url}: {_describe(e)}") from e

    async def _get(
        self,
        model: type[M],
        path: str,
        *,
        params: Any = None,
        body: Any = None,
        method: str = "GET",
    ) -> M:
        data = await self._request(method, path, params=params, body=body)
        try:
            return model.model_validate(data)
        except ValidationError as e:
            raise BackendError(
                f"{method} {path}: unexpected response ({e.error_count()} errors)"
            ) from e

    async def me(self) -> User:
        return await self._get(User, "/me")

    async def monitor_summary(self, project_id: int) -> MonitorSummary:
        """Counts of the project's uptime monitors by state."""
        return await self._get(MonitorSummary, f"/projects/{project_id}/monitors/summary")

    async def projects(self) -> list[Project]:
        data = await self._request("GET", "/projects")
        try:
            return _PROJECTS.validate_python(data)
        except ValidationError as e:
            raise BackendError("GET /projects: unexpected response") from e

    async def incident_pages(
        self,
        project_id: int,
        statuses: tuple[str, ...] = ("open", "acknowledged"),
        *,
        view: str | None = "editor",
        limit: int = PAGE_LIMIT,
        awaiting_deploy: bool = False,
    ) -> AsyncIterator[list[Incident]]:
        """The project's incidents one page at a time, so that a caller can compact each page
        before the next arrives. `view="editor"` asks for stacks without the context lines of
        frames other than the crash frame (a backend that predates it sends everything)."""
        cursor: str | None = None
        path = f"/projects/{project_id}/incidents"
        for _ in range(MAX_PAGES):
            params = {"status": ",".join(statuses), "limit": str(limit)}
            if view:
                params["view"] = view
            if awaiting_deploy:
                params["fix"] = "awaiting_deploy"
            if cursor:
                params["cursor"] = cursor
            raw = await self._raw("GET", path, params=params)
            try:
                page = IncidentPage.model_validate_json(raw)
            except ValidationError as e:
                raise BackendError(
                    f"GET {path}: unexpected response ({e.error_count()} errors)"
                ) from e
            del raw
            cursor = page.next_cursor
            items = page.items
            del page
            yield items
            if not cursor:
                return
        raise BackendError(f"incidents of project {project_id}: more than {MAX_PAGES} pages")

    async def search(
        self, project_id: int, query: str, *, statuses: str = "open,acknowledged", limit: int = 20
    ) -> IncidentPage:
        """Full-text and partial-word search of one project's incidents."""
        params = {"project_id": str(project_id), "q": query, "status": statuses,
                  "limit": str(limit)}  # fmt: skip
        return await self._get(IncidentPage, "/search/incidents", params=params)

    async def incident(self, incident_id: int) -> IncidentDetail:
        return await self._get(IncidentDetail, f"/incidents/{incident_id}")

    async def act(
        self,
        incident_id: int,
        action: Action,
        commit: str | None,
        ancestors: list[str] | None = None,
    ) -> Incident:
        """Resolve, acknowledge, ignore or reopen; `commit` is recorded with a resolve, and
        `ancestors` (commits known to precede it) with it (docs/releases.md)."""
        body: dict[str, Any] = {"commit": commit}
        if ancestors:
            body["ancestors"] = ancestors
        return await self._get(
            Incident, f"/incidents/{incident_id}/{action}", body=body, method="POST"
        )

    async def live(self, project_id: int, since: int | None) -> AsyncIterator[SseEvent]:
        """One connection to the live feed; yields its events until it ends or fails."""
        params = {"since": str(since)} if since is not None else None
        headers = {"Accept": "text/event-stream"}
        if since is not None:
            headers["Last-Event-ID"] = str(since)
        url = f"{self.base_url}/api/v1/projects/{project_id}/live"
        timeout = aiohttp.ClientTimeout(total=None, connect=5.0, sock_read=LIVE_READ_TIMEOUT)
        try:
            async with self._client().get(
                url, params=params, headers=headers, timeout=timeout
            ) as resp:
                if resp.status >= 400:
                    raise _http_error(resp.status, await resp.read())
                parser = SseParser()
                async for chunk in resp.content.iter_any():
                    for event in parser.feed(chunk):
                        yield event
        except BackendError:
            raise
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as e:
            raise BackendError(f"live feed of project {project_id}: {_describe(e)}") from e

    async def follow(
        self,
        project_id: int,
        since: int | None,
        on_change: Callable[[IncidentChange], Awaitable[None]],
        on_state: Callable[[bool, BackendError | None], Awaitable[None]],
    ) -> None:
        """Follow the live feed forever: reconnect with capped exponential backoff and resume
        from the last seq seen. `on_state(True, None)` on each `ready`, `(False, error)` on each
        failure. Malformed events are logged and skipped. Ends only when cancelled."""
        delay = BACKOFF_START
        while True:
            try:
                async for event in self.live(project_id, since):
                    if event.event == "ready":
                        delay = BACKOFF_START
                        ready_seq = _seq(event.data)
                        if since is None and ready_seq is not None:
                            since = ready_seq
                        await on_state(True, None)
                    elif event.event == "change":
                        change = _change(event.data)
                        if change is None:
                            continue
                        if since is None or change.seq > since:
                            since = change.seq
                            await on_change(change)
                raise BackendError("live feed closed by the server")
            except BackendError as e:
                log.info("live feed of project %s: %s; retrying in %.1fs", project_id, e, delay)
                await on_state(False, e)
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, BACKOFF_CAP)


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _seq(data: str) -> int | None:
    try:
        value = json.loads(data).get("seq")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _change(data: str) -> IncidentChange | None:
    try:
        return IncidentChange.model_validate_json(data)
    except ValidationError:
        log.warning("skipping a malformed live-feed change: %.200s", data)
        return None


def _http_error(status: int, raw: bytes) -> BackendError:
    try:
        body = ErrorResponse.model_validate_json(raw).error
        return BackendError(f"{body.message} (HTTP {status})", status=status, code=body.code)
    except ValidationError:
        return BackendError(f"HTTP {status}", status=status)
