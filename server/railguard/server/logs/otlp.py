"""OTLP/HTTP logs (`POST /v1/logs`): protobuf or JSON `ExportLogsServiceRequest` bodies become
`LogRecord`s; the answer is an `ExportLogsServiceResponse` in the request's encoding.

The messages are the `opentelemetry-proto` package's. OTLP JSON differs from protobuf's own JSON
mapping in one place: trace and span ids are hex, not base64 (docs/logs-and-health.md), so they
are converted before `json_format` reads the document.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from railguard.server.errors import BadRequest
from railguard.server.logs.records import (
    MAX_BODY,
    LogRecord,
    bounded,
    clean,
    hex_id,
    level_of,
    parse_time,
)

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


def _hex_ids_to_base64(node: Any) -> Any:
    """Rewrite OTLP JSON's hex `traceId`/`spanId` as base64 for protobuf's JSON parser."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("traceId", "spanId", "trace_id", "span_id") and isinstance(value, str):
                try:
                    value = base64.b64encode(bytes.fromhex(value)).decode()
                except ValueError:
                    raise BadRequest(f"{key} is not hex") from None
            out[key] = _hex_ids_to_base64(value)
        return out
    if isinstance(node, list):
        return [_hex_ids_to_base64(v) for v in node]
    return node


def parse_request(body: bytes, content_type: str) -> ExportLogsServiceRequest:
    """The request message; an unreadable body is a `BadRequest` naming the problem."""
    message = ExportLogsServiceRequest()
    if content_type == PROTOBUF:
        try:
            message.ParseFromString(body)
        except DecodeError as exc:
            raise BadRequest(f"the body is not an OTLP protobuf logs request: {exc}") from None
        return message
    if content_type == JSON:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadRequest("the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the body is not a JSON object")
        try:
            json_format.ParseDict(_hex_ids_to_base64(data), message, ignore_unknown_fields=True)
        except json_format.ParseError as exc:
            raise BadRequest(f"the body is not an OTLP JSON logs request: {exc}") from None
        return message
    raise BadRequest(f"content type must be {PROTOBUF} or {JSON}")


def response_body(content_type: str) -> bytes:
    message = ExportLogsServiceResponse()
    if content_type == PROTOBUF:
        return message.SerializeToString()
    return b"{}"


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def _attributes(pairs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in pairs if isinstance(kv, KeyValue)}


def _text(value: Any) -> str | None:
    return clean(value, 1024) if isinstance(value, str) and value else None


def records(message: ExportLogsServiceRequest, received_at: datetime) -> list[LogRecord]:
    out: list[LogRecord] = []
    for resource_logs in message.resource_logs:
        resource = _attributes(resource_logs.resource.attributes)
        environment = _text(
            resource.get("deployment.environment.name") or resource.get("deployment.environment")
        )
        release = _text(resource.get("service.version"))
        for scope_logs in resource_logs.scope_logs:
            scope = _text(scope_logs.scope.name)
            for rec in scope_logs.log_records:
                body = _value(rec.body)
                attrs = {**{f"resource.{k}": v for k, v in resource.items()},
                         **_attributes(rec.attributes)}  # fmt: skip
                when = rec.time_unix_nano or rec.observed_time_unix_nano
                number = rec.severity_number or None
                out.append(
                    LogRecord(
                        occurred_at=parse_time(when, received_at) if when else received_at,
                        level=level_of(number, rec.severity_text or None),
                        body=clean(
                            body
                            if isinstance(body, str)
                            else orjson.dumps(body, default=str).decode(),
                            MAX_BODY,
                        ),  # fmt: skip
                        source="otlp",
                        severity_number=number,
                        trace_id=hex_id(rec.trace_id.hex(), 32),
                        span_id=hex_id(rec.span_id.hex(), 16),
                        environment=environment,
                        release=release,
                        logger=scope,
                        attributes=bounded(attrs),
                    )
                )
    return out
