"""Ingest endpoints: Sentry's envelope and store routes, and the native JSON API.

Responses follow what SDKs expect (docs/sentry-protocol.md §6-§7): 200 `{"id": ...}` once the
event is committed; refusals carry `X-Sentry-Error` and `{"detail": ...}`; 429s carry
`Retry-After` and `X-Sentry-Rate-Limits`. Browser SDKs get CORS on every answer and on preflight.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web
from pydantic import ValidationError

from railguard.server.db import DATABASE_DOWN
from railguard.server.endpoints import Handler
from railguard.server.errors import (
    BadRequest,
    Forbidden,
    Invalid,
    PayloadTooLarge,
    Unauthorized,
)
from railguard.server.http import validation_details
from railguard.server.http_errors import domain_error_response, error_response, status_of
from railguard.server.ingest import decompress, envelope, event, sentry_auth
from railguard.server.ingest.body import BodyReader, BudgetExhausted
from railguard.server.ingest.process import (
    ProcessedEvent,
    process_native_event,
    process_sentry_event,
)
from railguard.server.keys import (
    INFLATE_BUDGET,
    KEY_CACHE,
    QUOTAS,
    RATE_LIMITER,
    SETTINGS,
    SOURCEMAPS,
    WRITER,
)
from railguard.server.logs import envelope_items
from railguard.server.pipeline.batch import Submission
from railguard.server.pipeline.keycache import KeyInfo
from railguard.server.pipeline.quota import ORG_QUOTA_SCOPE, OverQuota
from railguard.server.pipeline.ratelimit import sentry_rate_limit_headers
from railguard.server.pipeline.writer import (
    EventRejected,
    WriteResult,
    WriterOverloaded,
    WriterUnavailable,
)
from railguard.server.traces import ingest as traces_ingest
from railguard.wire import models as w

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "x-sentry-error, x-sentry-rate-limits, retry-after",
}
# What ingest refuses in the answer SDKs understand (status, `X-Sentry-Error`, `detail`).
_REFUSALS = (BadRequest, Unauthorized, Forbidden, PayloadTooLarge)

_PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": (
        "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, "
        "content-type, authentication, authorization, content-encoding, transfer-encoding"
    ),
    "Access-Control-Max-Age": "3600",
}


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json",
        headers={**CORS, **(headers or {})},
    )  # fmt: skip


def _refusal(status: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    return _json({"detail": reason}, status, {"X-Sentry-Error": reason, **(headers or {})})


async def preflight(request: web.Request) -> web.Response:
    return web.Response(status=200, headers=_PREFLIGHT)


async def _key_for(request: web.Request, public_key: str, project_id: int | None) -> KeyInfo:
    """The key's record, refusing unknown/foreign keys (same answer) and revoked keys."""
    info = await request.app[KEY_CACHE].lookup(public_key)
    if info is None or (project_id is not None and info.project_id != project_id):
        raise Unauthorized("unknown project or key")
    if info.revoked:
        raise Forbidden("key revoked")
    if info.project_deleted:
        raise Forbidden("project deleted: restore it from the trash to accept events")
    try:
        await request.app[QUOTAS].check(info.project_id)
    except OverQuota as exc:
        raise _RateLimited(exc.retry_after, "usage_exceeded", ORG_QUOTA_SCOPE) from None
    return info


def _check_rate(request: web.Request, key: KeyInfo) -> None:
    """Refuse at once, before reading the body, a key known to be out of events this minute."""
    limiter = request.app[RATE_LIMITER]
    if limiter.exhausted(key.id):
        raise _RateLimited(limiter.retry_after(), "key_quota")


async def _admit(request: web.Request, key: KeyInfo, wanted: int) -> int:
    """How many of `wanted` events the key may store this minute; none is a 429."""
    limiter = request.app[RATE_LIMITER]
    per_minute = key.rate_limit_per_minute or request.app[SETTINGS].default_key_rate_per_minute
    granted = await limiter.admit(key.id, per_minute, wanted)
    if granted == 0 and wanted > 0:
        raise _RateLimited(limiter.retry_after(), "key_quota")
    return granted


class _RateLimited(Exception):
    def __init__(self, retry_after: int, reason: str, scope: tuple[str, str] = ("", "key")) -> None:
        self.retry_after = retry_after
        self.reason = reason
        self.scope = scope  # (categories, scope) of X-Sentry-Rate-Limits


async def _store(request: web.Request, key: KeyInfo, processed: ProcessedEvent) -> WriteResult:
    if processed.source_maps is not None:  # bundled JavaScript: map it (docs/source-maps.md)
        processed = await request.app[SOURCEMAPS].finish(key.project_id, processed)
    submission = Submission(
        project_id=key.project_id, key_id=key.id, event=processed, received_at=_now()
    )
    try:
        return await request.app[WRITER].submit(submission)
    except WriterOverloaded:
        raise _RateLimited(2, "overloaded") from None
    except WriterUnavailable:
        # Database down: a short 429 makes every SDK back off and record the drop.
        raise _RateLimited(5, "unavailable") from None
    except EventRejected:
        raise BadRequest("the event could not be stored; its id is in the server log") from None


async def _store_transactions(
    request: web.Request, key: KeyInfo, traces: traces_ingest.Parsed
) -> None:
    """Performance data goes to its own writer (docs/performance.md); answered after COMMIT."""
    try:
        await traces_ingest.store(
            request.app, key.project_id, traces.transactions, orphans=traces.orphans,
            received_at=_now(),
        )  # fmt: skip
    except WriterOverloaded:
        raise _RateLimited(2, "overloaded") from None
    except WriterUnavailable:
        raise _RateLimited(5, "unavailable") from None
    except EventRejected:
        raise BadRequest("the transaction could not be stored; see the server log") from None


def _now() -> datetime:
    return datetime.now(UTC)


def _path_rules(key: KeyInfo) -> list[w.PathRule]:
    return [w.PathRule.model_validate(rule) for rule in key.path_rules]


def _reader(request: web.Request, *, max_compressed: int, max_decompressed: int) -> BodyReader:
    return BodyReader(
        request.content, request.headers.get("Content-Encoding"),
        max_compressed=max_compressed, max_decompressed=max_decompressed,
        budget=request.app[INFLATE_BUDGET],
    )  # fmt: skip


async def _read(request: web.Request, *, max_compressed: int, max_decompressed: int) -> bytes:
    reader = _reader(request, max_compressed=max_compressed, max_decompressed=max_decompressed)
    try:
        return await reader.read()
    finally:
        await reader.release()


def _has_header_or_query_auth(request: web.Request) -> bool:
    return bool(
        request.headers.get("X-Sentry-Auth")
        or request.headers.get("Authorization", "").lower().startswith("sentry")
        or request.query.get("sentry_key")
    )


def _answers_like_relay(handler: Handler) -> Handler:
    """Turn refusals into the responses SDKs understand (docs/sentry-protocol.md §6-§7)."""

    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except _REFUSALS as exc:
            return _refusal(status_of(exc), exc.message)
        except _RateLimited as exc:
            headers = sentry_rate_limit_headers(exc.retry_after, exc.reason, *exc.scope)
            return _refusal(429, "rate limited", headers)
        except BudgetExhausted:
            return _refusal(429, "rate limited", sentry_rate_limit_headers(2, "overloaded"))
        except DATABASE_DOWN:
            # The key lookup needs the database once its cache entry expires: SDKs must back off
            # and record the drop (429 with both headers), not lose the envelope to a 503.
            return _refusal(429, "rate limited", sentry_rate_limit_headers(5, "unavailable"))

    return answer


async def _sentry_envelope_items(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    reader = _reader(
        request,
        max_compressed=settings.max_request_compressed,
        max_decompressed=settings.max_request_decompressed,
    )
    try:
        return await _envelope(request, reader)
    finally:
        await reader.release()


async def _envelope(request: web.Request, reader: BodyReader) -> web.Response:
    """Authenticate before inflating: from the headers or query, else from the envelope
    header's `dsn`, read by inflating only the first line (see `ingest.body`)."""
    settings = request.app[SETTINGS]
    project_id = int(request.match_info["project_id"])
    dsn: str | None = None
    if not _has_header_or_query_auth(request):
        head = envelope.parse_envelope(await reader.first_line()).headers
        dsn = head.get("dsn") if isinstance(head.get("dsn"), str) else None
    public = sentry_auth.extract_public_key(
        headers=request.headers, query=request.query, envelope_dsn=dsn
    )
    key = await _key_for(request, public, project_id)
    _check_rate(request, key)
    parsed = envelope.parse_envelope(await reader.read())
    dsn = parsed.headers.get("dsn")
    if isinstance(dsn, str):  # a key in the headers must agree with the envelope's own
        sentry_auth.extract_public_key(
            headers=request.headers, query=request.query, envelope_dsn=dsn
        )
    event_id = envelope.normalize_event_id(parsed.headers.get("event_id"))
    # Logs, sessions, check-ins, client reports; other types counted (docs/logs-and-health.md).
    try:
        await envelope_items.store(request.app, key.project_id, parsed.items, _now())
    except envelope_items.StoreUnavailable:
        raise _RateLimited(5, "unavailable") from None
    events = [item for item in parsed.items if item.type == "event"]
    for item in events:
        if len(item.payload) > settings.max_event_size:
            raise PayloadTooLarge("event exceeds 1 MiB")
    traces = traces_ingest.parse_sentry(parsed.items, max_size=settings.max_event_size)
    # The limit counts events: the excess of an envelope is refused with a 429 (after the
    # admitted ones are stored; a retry of the whole envelope is harmless, ids are deduplicated).
    granted = await _admit(request, key, len(events))
    for item in events[:granted]:
        processed = process_sentry_event(
            event.load_event_json(item.payload), envelope_headers=parsed.headers,
            received_at=_now(), client_ip=request.remote, path_rules=_path_rules(key),
            scrub_policy=key.scrub_policy,
        )  # fmt: skip
        await _store(request, key, processed)
        event_id = processed.event_id
    await _store_transactions(request, key, traces)
    if granted < len(events):
        raise _RateLimited(request.app[RATE_LIMITER].retry_after(), "key_quota")
    return _json({"id": event_id} if event_id else {})


async def _sentry_store_body(request: web.Request) -> web.Response:
    if request.content_type == "application/x-sentry-envelope":
        return await _sentry_envelope_items(request)
    settings = request.app[SETTINGS]
    project_id = int(request.match_info["project_id"])
    public = sentry_auth.extract_public_key(
        headers=request.headers, query=request.query, envelope_dsn=None
    )
    key = await _key_for(request, public, project_id)
    _check_rate(request, key)
    body = await _read(
        request, max_compressed=settings.max_store_compressed,
        max_decompressed=settings.max_event_size,
    )  # fmt: skip
    payload = event.load_event_json(decompress.decode_legacy_store_body(body))
    if payload.get("type") == "transaction":
        tx = traces_ingest.parse_transaction(payload)
        await _store_transactions(request, key, traces_ingest.Parsed([tx]))
        return _json({"id": tx.event_id} if tx.event_id else {})
    processed = process_sentry_event(
        payload, envelope_headers=None, received_at=_now(), client_ip=request.remote,
        path_rules=_path_rules(key), scrub_policy=key.scrub_policy,
    )  # fmt: skip
    await _admit(request, key, 1)
    await _store(request, key, processed)
    return _json({"id": processed.event_id})


async def native_event(request: web.Request) -> web.Response:
    """`POST /api/v1/events[/{project_id}]` with `X-Railguard-Key`; 201 once committed."""
    try:
        return await _native_event(request)
    except _REFUSALS as exc:
        return domain_error_response(exc, headers={"X-Sentry-Error": exc.message})
    except BudgetExhausted:
        headers = sentry_rate_limit_headers(2, "overloaded")
        return error_response(
            429, "rate_limited", "The server is busy; retry shortly.", headers=headers
        )
    except _RateLimited as exc:
        headers = sentry_rate_limit_headers(exc.retry_after, exc.reason, *exc.scope)
        if exc.reason == "unavailable":
            return error_response(503, "database_unavailable", "Retry shortly.", headers=headers)
        return error_response(429, "rate_limited", "Too many events; slow down.", headers=headers)


async def _native_event(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    raw_project = request.match_info.get("project_id")
    project_id = int(raw_project) if raw_project is not None else None
    public = sentry_auth.extract_native_key(headers=request.headers, query=request.query)
    key = await _key_for(request, public, project_id)
    _check_rate(request, key)
    body = await _read(
        request, max_compressed=settings.max_event_size,
        max_decompressed=settings.max_event_size,
    )  # fmt: skip
    try:
        native = w.NativeEvent.model_validate_json(body)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise BadRequest("The body is not valid JSON.") from exc
        raise Invalid("The event is invalid.", details=validation_details(exc)) from exc
    processed = process_native_event(
        native, received_at=_now(), path_rules=_path_rules(key), scrub_policy=key.scrub_policy
    )
    await _admit(request, key, 1)
    result = await _store(request, key, processed)
    return web.Response(
        status=200 if result.duplicate else 201,
        body=w.NativeEventAccepted(id=processed.event_id).model_dump_json(),
        content_type="application/json",
    )


sentry_envelope = _answers_like_relay(_sentry_envelope_items)
sentry_store = _answers_like_relay(_sentry_store_body)
