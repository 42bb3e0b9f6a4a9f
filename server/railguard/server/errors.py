"""Domain errors: why an operation was refused, in words the caller can act on.

Domain code (accounts, projects, incidents, ingest, the CLI's admin commands) raises these and
knows nothing about HTTP. `railguard.server.http_errors` is the one place that maps each class to
a status and renders it; the CLI prints the message. Each error has a stable `code` (the class
default, or a more specific one such as `email_taken`), a sentence for people and optional
machine-readable `details`.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every refusal; never raised itself."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class BadRequest(DomainError):
    """The input cannot be read: malformed JSON, envelope framing, compression or cursor."""

    code = "bad_request"


class Invalid(DomainError):
    """The input was read but a value is not acceptable."""

    code = "validation_failed"


class Unauthorized(DomainError):
    """No caller could be established: credentials missing, wrong, revoked or expired.

    `scheme` names the credential that would be accepted, when there is one to ask for.
    """

    code = "unauthorized"

    def __init__(self, message: str, *, code: str | None = None, scheme: str | None = None) -> None:
        super().__init__(message, code=code)
        self.scheme = scheme


class Forbidden(DomainError):
    """The caller is known but may not do this (not an owner, a revoked key)."""

    code = "forbidden"


class NotFound(DomainError):
    """No such thing, or one the caller may not see (the two are not told apart)."""

    code = "not_found"


class Conflict(DomainError):
    """The change contradicts what exists (a taken email or repository, the last owner)."""

    code = "conflict"


class PayloadTooLarge(DomainError):
    """A size cap was exceeded (compressed body, decompressed body, one event)."""

    code = "payload_too_large"


class TooManyRequests(DomainError):
    """A rate limit was hit; `retry_after` says in how many seconds to try again."""

    code = "rate_limited"

    def __init__(self, message: str, *, code: str | None = None, retry_after: int) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
