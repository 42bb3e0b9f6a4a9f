"""Request parsing and JSON responses at the edge, with the wire models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from railguard.server.errors import BadRequest, Invalid, NotFound

M = TypeVar("M", bound=BaseModel)


async def parse_request(request: web.Request, model: type[M]) -> M:
    """Read a JSON body into `model`: malformed JSON is 400, a wrong shape is 422."""
    raw = await request.read()
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"The body is not valid JSON: {exc}", code="malformed_json") from exc
    if not isinstance(data, dict):
        raise Invalid("The body must be a JSON object.", details=[])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid("The request body is invalid.", details=validation_details(exc)) from exc


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def json_response(
    value: BaseModel | Sequence[BaseModel] | dict[str, Any], *, status: int = 200
) -> web.Response:
    if isinstance(value, BaseModel):
        payload: Any = value.model_dump(mode="json")
    elif isinstance(value, dict):
        payload = value
    else:
        payload = [item.model_dump(mode="json") for item in value]
    return web.Response(status=status, body=orjson.dumps(payload), content_type="application/json")


def query_int(request: web.Request, name: str, low: int, high: int) -> int | None:
    """An integer query parameter within [low, high], None when absent; anything else is a 422
    (checked before conversion, so 5,000 digits never reach `int()`)."""
    raw = request.query.get(name, "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or not low <= int(raw) <= high:
        raise Invalid(f"{name} must be an integer from {low} to {high}.")
    return int(raw)


def query_limit(request: web.Request, default: int, top: int) -> int:
    """The page size: `limit` from 1 to `top`, `default` when absent."""
    found = query_int(request, "limit", 1, top)
    return default if found is None else found


def int_param(request: web.Request, name: str) -> int:
    """A numeric path parameter; anything else is a 404 (the resource cannot exist)."""
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:  # "²".isdigit() is True
        raise NotFound(f"No such {name.removesuffix('_id')}.")
    return int(raw)
