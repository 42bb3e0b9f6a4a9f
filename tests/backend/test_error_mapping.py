"""Domain errors carry no HTTP; `http_errors` maps every one of them to one status and headers."""

from __future__ import annotations

import orjson
import pytest

from railguard.server import errors
from railguard.server.http_errors import STATUS, domain_error_response, headers_of, status_of


def _all_domain_errors() -> set[type[errors.DomainError]]:
    found: set[type[errors.DomainError]] = set()
    todo = [errors.DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_every_domain_error_has_exactly_one_status() -> None:
    assert _all_domain_errors() == set(STATUS)
    assert len(set(STATUS.values())) == len(STATUS)  # no two classes for one status


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        pytest.param(errors.BadRequest("bad"), 400, "bad_request", id="400"),
        pytest.param(errors.Unauthorized("who"), 401, "unauthorized", id="401"),
        pytest.param(errors.Forbidden("no"), 403, "forbidden", id="403"),
        pytest.param(errors.NotFound("gone"), 404, "not_found", id="404"),
        pytest.param(errors.Conflict("taken"), 409, "conflict", id="409"),
        pytest.param(errors.PayloadTooLarge("too big"), 413, "payload_too_large", id="413"),
        pytest.param(errors.Invalid("wrong"), 422, "validation_failed", id="422"),
        pytest.param(errors.TooManyRequests("slow", retry_after=3), 429, "rate_limited", id="429"),
    ],
)
def test_status_and_default_code(error: errors.DomainError, status: int, code: str) -> None:
    assert status_of(error) == status
    assert error.code == code
    assert str(error) == error.message
    assert repr(error) == f"{type(error).__name__}({error.message!r}, code={code!r})"


def test_a_specific_code_replaces_the_default() -> None:
    error = errors.Conflict("taken", code="email_taken", details=[1])
    response = domain_error_response(error)
    assert response.status == 409
    assert isinstance(response.body, bytes)
    assert orjson.loads(response.body) == {
        "error": {"code": "email_taken", "message": "taken", "details": [1]}
    }


def test_headers_say_when_to_retry_and_which_credential_to_send() -> None:
    assert headers_of(errors.TooManyRequests("x", retry_after=3600)) == {"Retry-After": "3600"}
    assert headers_of(errors.Unauthorized("x", scheme="Bearer")) == {
        "WWW-Authenticate": 'Bearer realm="railguard"'
    }
    assert headers_of(errors.Unauthorized("wrong password")) == {}
    merged = domain_error_response(errors.Forbidden("key revoked"), {"X-Sentry-Error": "x"})
    assert merged.headers["X-Sentry-Error"] == "x"
