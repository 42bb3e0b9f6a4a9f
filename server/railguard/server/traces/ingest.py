"""From a request's payloads to a stored `TraceSubmission`: Sentry transaction items and OTLP
exports, parsed, sampled for snapshots and handed to the trace writer (which answers after
COMMIT). Refusals are domain errors; the writer's overload and outage exceptions pass through
for the views to answer in their protocol's way."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web

from railguard.server.errors import BadRequest, PayloadTooLarge
from railguard.server.ingest import event
from railguard.server.ingest.envelope import EnvelopeItem
from railguard.server.traces import otlp
from railguard.server.traces.model import Span, Transaction
from railguard.server.traces.rows import TraceSubmission
from railguard.server.traces.runtime import SNAPSHOTS, TRACE_WRITER
from railguard.server.traces.sentry import parse_span_item, parse_transaction

__all__ = ["Parsed", "decode_otlp", "parse_sentry", "parse_transaction", "store"]

log = logging.getLogger(__name__)


@dataclass
class Parsed:
    transactions: list[Transaction] = field(default_factory=list)
    orphans: list[Span] = field(default_factory=list)


def parse_sentry(items: list[EnvelopeItem], *, max_size: int) -> Parsed:
    """An envelope's `transaction` and `span` items. One too big is refused (the SDK sees
    why); one without trace ids or times is skipped and logged, as Relay drops an invalid item,
    so the error events of the same envelope are not refused with it
    (docs/performance.md#sentry)."""
    out = Parsed()
    for item in items:
        if item.type not in ("transaction", "span"):
            continue
        if len(item.payload) > max_size:
            raise PayloadTooLarge(f"{item.type} item exceeds 1 MiB")
        try:
            payload = event.load_event_json(item.payload)
            if item.type == "transaction":
                out.transactions.append(parse_transaction(payload))
            else:
                txs, orphans = parse_span_item(payload)
                out.transactions.extend(txs)
                out.orphans.extend(orphans)
        except BadRequest as exc:
            log.info("invalid %s item skipped: %s", item.type, exc.message)
    return out


async def store(
    app: web.Application, project_id: int, txs: list[Transaction], *, received_at: datetime,
    orphans: list[Span] | None = None,
) -> int:  # fmt: skip
    """Store, and return once committed: how many transactions were new."""
    if not txs and not orphans:
        return 0
    submission = TraceSubmission(
        project_id=project_id, received_at=received_at, transactions=txs,
        orphans=orphans or [], snapshots=app[SNAPSHOTS].choose(project_id, txs),
    )  # fmt: skip
    return await app[TRACE_WRITER].submit(submission)


def decode_otlp(body: bytes, content_type: str) -> tuple[otlp.Export, bool]:
    """The export and whether it came (and is answered) as JSON."""
    if content_type == "application/json":
        return otlp.to_model(otlp.decode_json(body)), True
    if content_type in ("application/x-protobuf", "application/protobuf"):
        return otlp.to_model(otlp.decode_protobuf(body)), False
    raise BadRequest(
        "OTLP/HTTP bodies are application/x-protobuf or application/json, "
        f"not {content_type or 'unlabelled'}"
    )
