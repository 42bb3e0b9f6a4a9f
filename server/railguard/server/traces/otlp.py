"""OTLP/HTTP trace exports (protobuf or JSON) into the common model (pure;
docs/performance.md#opentelemetry).

Decoding is `opentelemetry-proto`'s generated messages; OTLP/JSON differs from protobuf's JSON
mapping only in hex (not base64) ids, which are converted before `ParseDict`. A span with no
parent, or a SERVER or CONSUMER span, is a transaction; the other spans hang off the nearest
such ancestor in the same export, or are kept as spans of their trace alone (children are often
exported before their parent ends).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTracePartialSuccess,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan
from opentelemetry.proto.trace.v1.trace_pb2 import Status

from railguard.server.errors import BadRequest
from railguard.server.traces import ids
from railguard.server.traces.model import Span, Transaction
from railguard.server.traces.sentry import MAX_TEXT

_SEGMENT_KINDS = (PbSpan.SPAN_KIND_SERVER, PbSpan.SPAN_KIND_CONSUMER)
_STATUS = {Status.STATUS_CODE_UNSET: "unset", Status.STATUS_CODE_OK: "ok",
           Status.STATUS_CODE_ERROR: "error"}  # fmt: skip
_CODE_KEYS = ("code.filepath", "code.file.path", "code.function", "code.function.name",
              "code.lineno", "code.line.number", "code.namespace", "db.system",
              "db.system.name", "http.route", "server.address")  # fmt: skip


@dataclass
class Export:
    transactions: list[Transaction] = field(default_factory=list)
    orphans: list[Span] = field(default_factory=list)
    rejected: int = 0
    reason: str = ""


def decode_protobuf(body: bytes) -> ExportTraceServiceRequest:
    message = ExportTraceServiceRequest()
    try:
        message.ParseFromString(body)
    except DecodeError as exc:
        raise BadRequest(
            f"the body is not an OTLP ExportTraceServiceRequest protobuf: {exc}"
        ) from None
    return message


def _hex_to_b64(value: object) -> object:
    if isinstance(value, str) and value and len(value) % 2 == 0:
        try:
            return base64.b64encode(bytes.fromhex(value)).decode()
        except ValueError:
            return value  # ParseDict refuses it with a clear message
    return value


def decode_json(body: bytes) -> ExportTraceServiceRequest:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("an OTLP/JSON trace export is an object with resourceSpans")
    for rs in _list(data.get("resourceSpans")):
        for ss in _list(rs.get("scopeSpans") if isinstance(rs, dict) else None):
            for span in _list(ss.get("spans") if isinstance(ss, dict) else None):
                if not isinstance(span, dict):
                    continue
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = _hex_to_b64(span[key])
                for link in _list(span.get("links")):
                    if isinstance(link, dict):
                        for key in ("traceId", "spanId"):
                            if key in link:
                                link[key] = _hex_to_b64(link[key])
    message = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(data, message, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise BadRequest(f"the body is not an OTLP/JSON trace export: {exc}") from None
    return message


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def response(export: Export, *, as_json: bool) -> bytes:
    reply = ExportTraceServiceResponse()
    if export.rejected:
        reply.partial_success.CopyFrom(
            ExportTracePartialSuccess(rejected_spans=export.rejected, error_message=export.reason)
        )
    if as_json:
        return json_format.MessageToJson(reply, indent=None).encode()
    return reply.SerializeToString()


def _value(v: AnyValue) -> Any:
    kind = v.WhichOneof("value")
    if kind in ("string_value", "bool_value", "int_value", "double_value"):
        return getattr(v, kind)
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    if kind == "bytes_value":
        return v.bytes_value.hex()
    if kind == "kvlist_value":
        return _attrs(v.kvlist_value.values)
    return None


def _attrs(kvs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in kvs:
        assert isinstance(kv, KeyValue)
        out[kv.key] = _value(kv.value)
    return out


def _time(nanos: int) -> datetime:
    return datetime.fromtimestamp(nanos / 1e9, UTC)


def _op(span: PbSpan, attrs: dict[str, Any]) -> str:
    if "db.system" in attrs or "db.system.name" in attrs:
        return "db"
    method = attrs.get("http.request.method") or attrs.get("http.method")
    if span.kind == PbSpan.SPAN_KIND_SERVER:
        return "http.server" if method else "server"
    if span.kind == PbSpan.SPAN_KIND_CLIENT:
        return "http.client" if method else "client"
    return PbSpan.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_").lower()


def _description(span: PbSpan, attrs: dict[str, Any]) -> str:
    text = attrs.get("db.query.text") or attrs.get("db.statement") or span.name
    return str(text).replace("\x00", "")[:MAX_TEXT]


def _request(attrs: dict[str, Any]) -> dict[str, Any] | None:
    prefix = "http.request.header."
    headers = {k[len(prefix) :]: v for k, v in attrs.items() if k.startswith(prefix)}
    method = attrs.get("http.request.method") or attrs.get("http.method")
    url = attrs.get("url.full") or attrs.get("http.url") or attrs.get("url.path")
    if not (method or url or headers):
        return None
    return {"method": method, "url": url, "headers": headers}


def to_model(message: ExportTraceServiceRequest) -> Export:
    export = Export()
    for rs in message.resource_spans:
        resource = _attrs(rs.resource.attributes)
        env = str(resource.get("deployment.environment.name")
                  or resource.get("deployment.environment") or "production")[:100]  # fmt: skip
        release = resource.get("service.version")
        tags = {k: resource[k] for k in ("service.name", "service.namespace", "host.name")
                if isinstance(resource.get(k), str)}  # fmt: skip
        segments: dict[str, Transaction] = {}
        parents: dict[str, str | None] = {}
        children: list[Span] = []
        for ss in rs.scope_spans:
            for pb in ss.spans:
                trace_id, span_id = ids.trace_id(pb.trace_id.hex()), ids.span_id(pb.span_id.hex())
                if (
                    trace_id is None
                    or span_id is None
                    or pb.end_time_unix_nano < pb.start_time_unix_nano
                ):
                    export.rejected += 1
                    export.reason = (
                        "spans need a 16-byte traceId, an 8-byte spanId and end >= start"
                    )
                    continue
                attrs = _attrs(pb.attributes)
                parent = ids.span_id(pb.parent_span_id.hex()) if pb.parent_span_id else None
                status = _STATUS.get(pb.status.code, "unset")
                started = _time(pb.start_time_unix_nano)
                duration = (pb.end_time_unix_nano - pb.start_time_unix_nano) / 1e6
                parents[span_id] = parent
                if parent is None or pb.kind in _SEGMENT_KINDS:
                    segments[span_id] = Transaction(
                        trace_id=trace_id, span_id=span_id, parent_span_id=parent,
                        name=pb.name[:500] or "<unnamed span>", op=_op(pb, attrs), status=status,
                        environment=env, release=str(release)[:250] if release else None,
                        started_at=started, duration_ms=duration, source="otlp",
                        request=_request(attrs), tags=tags or None,
                    )  # fmt: skip
                    continue
                data = {
                    k: attrs[k] for k in _CODE_KEYS if isinstance(attrs.get(k), str | int | float)
                }
                children.append(Span(
                    trace_id=trace_id, span_id=span_id, parent_span_id=parent, op=_op(pb, attrs),
                    description=_description(pb, attrs), status=status, started_at=started,
                    duration_ms=duration, data=data or None,
                ))  # fmt: skip
        for child in children:
            owner = _segment_of(child.span_id, parents, segments)
            if owner is None:
                export.orphans.append(child)
            else:
                owner.spans.append(child)
        export.transactions.extend(segments.values())
    return export


def _segment_of(
    span_id: str, parents: dict[str, str | None], segments: dict[str, Transaction]
) -> Transaction | None:
    seen: set[str] = set()
    current = parents.get(span_id)
    while current is not None and current not in seen:
        if current in segments:
            return segments[current]
        seen.add(current)
        current = parents.get(current)
    return None
