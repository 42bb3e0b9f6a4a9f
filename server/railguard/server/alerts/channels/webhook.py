"""Webhooks over HTTPS: a JSON body, the idempotency key in a header, and for channels with a
secret an HMAC-SHA256 signature over `<timestamp>.<body>` (docs/alerts.md has the format)."""

from __future__ import annotations

import hashlib
import hmac
import time

import aiohttp

from railguard.server.alerts.channels import DeliveryError

SIGNATURE_HEADER = "X-Railguard-Signature"
TIMESTAMP_HEADER = "X-Railguard-Timestamp"
KEY_HEADER = "X-Railguard-Idempotency-Key"
# Client errors worth retrying (timeouts, conflicts, rate limits); any other 4xx is final.
_RETRYABLE = {408, 409, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def headers(body: bytes, idempotency_key: str, secret: str | None, now: float) -> dict[str, str]:
    out = {
        "Content-Type": "application/json",
        "User-Agent": "Railguard-Alerts/1",
        KEY_HEADER: idempotency_key,
        "Idempotency-Key": idempotency_key,
    }
    if secret:
        timestamp = str(int(now))
        out[TIMESTAMP_HEADER] = timestamp
        out[SIGNATURE_HEADER] = signature(secret, timestamp, body)
    return out


async def send(
    session: aiohttp.ClientSession, url: str, body: bytes, idempotency_key: str, secret: str | None
) -> None:
    """POST the body; any 2xx is delivered, anything else (or no answer) is a DeliveryError."""
    try:
        async with session.post(
            url, data=body, headers=headers(body, idempotency_key, secret, time.time()),
            allow_redirects=False,
        ) as resp:  # fmt: skip
            text = (await resp.content.read(300)).decode(errors="replace")
            if not 200 <= resp.status < 300:
                permanent = 400 <= resp.status < 500 and resp.status not in _RETRYABLE
                raise DeliveryError(
                    f"HTTP {resp.status}: {text}".strip()[:500], permanent=permanent
                )
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise DeliveryError(f"webhook: {str(exc) or type(exc).__name__}"[:500]) from exc
