"""Ingest errors: each carries the HTTP status and the short `X-Sentry-Error` reason.

Views turn an `IngestError` into a response with `X-Sentry-Error: <reason>` and the body
`{"detail": <reason>}` (sentry-protocol §7); SDKs only look at the status.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base of every refusal the ingest code can produce."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, reason={self.reason!r})"


class PayloadTooLarge(IngestError):
    """A size cap was exceeded (compressed body, decompressed body, item): 413."""

    def __init__(self, reason: str = "payload too large") -> None:
        super().__init__(413, reason)


class BadRequest(IngestError):
    """Malformed envelope, JSON or compression, or an unknown encoding: 400."""

    def __init__(self, reason: str) -> None:
        super().__init__(400, reason)


class AuthError(IngestError):
    """Missing, conflicting or malformed credentials (401), or a refused key (403)."""

    def __init__(self, reason: str, status: int = 401) -> None:
        if status not in (401, 403):
            raise ValueError(f"AuthError status must be 401 or 403, not {status}")
        super().__init__(status, reason)
