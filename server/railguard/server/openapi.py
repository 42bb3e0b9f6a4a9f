"""The OpenAPI 3.1 document, generated from the endpoint table and the wire models."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from railguard.server.endpoints import Endpoint
from railguard.wire import models as w

ENDPOINTS_KEY: web.AppKey[list[Endpoint]] = web.AppKey("endpoints")
_REF = "#/components/schemas/{model}"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=model.__name__)}


def _error_response(status: int, model: type[BaseModel] = w.ErrorResponse) -> dict[str, Any]:
    return {
        "description": f"Error {status}",
        "content": {"application/json": {"schema": _ref(model)}},
    }


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        # Numeric ids are named `*_id`; any other path parameter (an event's hex id) is text.
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if name.endswith("_id") else "string"},
        }
        for name in re.findall(r"{(\w+)(?::[^}]*)?}", endpoint.path)
    ]
    params += [
        {
            "name": q.name,
            "in": "query",
            "required": q.required,
            "description": q.description,
            "schema": {"type": q.type},
        }
        for q in endpoint.query
    ]
    op: dict[str, Any] = {"operationId": endpoint.name, "summary": endpoint.summary}
    if params:
        op["parameters"] = params
    if endpoint.request is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(endpoint.request)}},
        }
    ok: dict[str, Any] = {"description": endpoint.summary}
    if endpoint.response is not None:
        schema: dict[str, Any] = _ref(endpoint.response)
        if endpoint.many:
            schema = {"type": "array", "items": schema}
        ok["content"] = {"application/json": {"schema": schema}}
    elif endpoint.content_type is not None:
        ok["content"] = {endpoint.content_type: {"schema": {}}}
    responses: dict[str, Any] = {str(endpoint.status): ok}
    errors = set(endpoint.errors)
    if endpoint.authenticated:
        errors |= {401, 403}  # 403: a token without the endpoint's scope
        op["security"] = [{"bearer": []}]
    if endpoint.request is not None:
        errors |= {400, 413, 422}
    for status in sorted(errors):
        responses[str(status)] = _error_response(status, endpoint.error_model or w.ErrorResponse)
    op["responses"] = responses
    return op


def _models(endpoints: list[Endpoint]) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ErrorResponse": w.ErrorResponse}
    for e in endpoints:
        for model in (e.request, e.response, e.error_model):
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


@cache
def _document(endpoints: tuple[Endpoint, ...]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(re.sub(r"{(\w+):[^}]*}", r"{\1}", endpoint.path), {})[
            endpoint.method.lower()
        ] = _operation(endpoint)
    models = _models(list(endpoints))
    _, defs = models_json_schema(
        [(m, "validation" if issubclass(m, w.Request) else "serialization") for m in models],
        ref_template=_REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Railguard API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def build_openapi(app: web.Application) -> dict[str, Any]:
    endpoints: list[Endpoint] = app[ENDPOINTS_KEY]
    return _document(tuple(endpoints))
