"""The declarative endpoint table: one entry drives both routing and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import BaseModel

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class QueryParam:
    name: str
    description: str
    type: str = "string"
    required: bool = False


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    name: str
    summary: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    authenticated: bool = True
    errors: tuple[int, ...] = ()
    query: tuple[QueryParam, ...] = field(default_factory=tuple)
    # Responses that are not JSON models (SSE streams, HTML) set this instead of `response`.
    content_type: str | None = None
    # The token scope a caller needs (docs/sign-in.md); None: `read` to read, `admin` to change.
    scope: str | None = None
    # Errors in another shape than the API's (OAuth's `{"error": ...}`).
    error_model: type[BaseModel] | None = None

    @property
    def required_scope(self) -> str:
        if self.scope is not None:
            return self.scope
        return "read" if self.method in ("GET", "HEAD") else "admin"
