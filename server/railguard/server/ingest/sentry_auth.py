"""Where the ingest key comes from (docs/sentry-protocol.md §2).

Sentry SDKs put the public key in one or more of::

    X-Sentry-Auth: Sentry sentry_key=<32 hex>, sentry_version=7, sentry_client=sentry.python/2.75.0
    Authorization: Sentry sentry_key=<32 hex>, ...
    ?sentry_key=<32 hex>&sentry_version=7            (Node and browser)
    {"dsn":"https://<32 hex>@host/42", ...}          (envelope header; Ruby always sends it)

Every source present must name the same key (Relay: "multiple authorization payloads
detected"). The native API adds `X-Railguard-Key`. This module only extracts and checks the
shape; whether the key belongs to the URL's project is the view's job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from railguard.server.errors import Unauthorized

__all__ = ["extract_native_key", "extract_public_key", "parse_sentry_auth"]

_KEY_RE = re.compile(r"[0-9a-fA-F]{32}")
_MAX_HEADER = 4096


def parse_sentry_auth(header_value: str) -> dict[str, str]:
    """Parse `Sentry k=v, k=v` into its `sentry_*` pairs (scheme case-insensitive).

    `sentry_version` keeps only the part before a `.`; `sentry_secret` and
    `sentry_timestamp` are returned but mean nothing to Railguard. A wrong scheme is a 401.
    """
    text = header_value.strip()[:_MAX_HEADER]
    scheme, _, rest = text.partition(" ")
    if scheme.lower() != "sentry":
        raise Unauthorized("unsupported authorization scheme")
    result: dict[str, str] = {}
    for piece in rest.split(","):
        name, sep, value = piece.partition("=")
        name = name.strip().lower()
        if not sep or not name.startswith("sentry_"):
            continue
        value = value.strip()
        if name == "sentry_version":
            value = value.partition(".")[0]
        result[name] = value
    return result


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that also works on a plain dict."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, val in headers.items():
        if key.lower() == lowered:
            return val
    return None


def _check_key(value: str, source: str) -> str:
    key = value.strip()
    if not _KEY_RE.fullmatch(key):
        raise Unauthorized(f"invalid public key in {source}")
    return key.lower()


def _sentry_sources(
    headers: Mapping[str, str], query: Mapping[str, str], envelope_dsn: str | None
) -> list[tuple[str, str]]:
    """(source, raw key) for each Sentry-style credential present, in the documented order."""
    found: list[tuple[str, str]] = []
    x_sentry = _header(headers, "X-Sentry-Auth")
    if x_sentry is not None:
        pairs = parse_sentry_auth(x_sentry)
        if "sentry_key" not in pairs:
            raise Unauthorized("missing sentry_key in X-Sentry-Auth")
        found.append(("X-Sentry-Auth", pairs["sentry_key"]))
    authorization = _header(headers, "Authorization")
    # Other schemes (Bearer, Basic) may belong to a proxy in front of us: not ours to judge.
    if authorization is not None and authorization.strip().lower().startswith("sentry "):
        pairs = parse_sentry_auth(authorization)
        if "sentry_key" not in pairs:
            raise Unauthorized("missing sentry_key in Authorization")
        found.append(("Authorization", pairs["sentry_key"]))
    query_key = query.get("sentry_key")
    if query_key is not None:
        found.append(("query", query_key))
    if envelope_dsn is not None:
        try:
            username = urlsplit(envelope_dsn.strip()).username
        except ValueError:
            username = None
        if not username:
            raise Unauthorized("invalid dsn in envelope header")
        found.append(("envelope dsn", username))
    return found


def _agree(found: list[tuple[str, str]]) -> str:
    if not found:
        raise Unauthorized("missing authorization information")
    keys = {_check_key(raw, source) for source, raw in found}
    if len(keys) > 1:
        raise Unauthorized("multiple authorization payloads detected")
    return keys.pop()


def extract_public_key(
    *, headers: Mapping[str, str], query: Mapping[str, str], envelope_dsn: str | None
) -> str:
    """The Sentry public key (32 lowercase hex) from every source present; they must agree."""
    return _agree(_sentry_sources(headers, query, envelope_dsn))


def extract_native_key(*, headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """The ingest key of a native `/api/v1/events` request: `X-Railguard-Key` or the Sentry
    header/query forms; all present must agree."""
    found = _sentry_sources(headers, query, None)
    native = _header(headers, "X-Railguard-Key")
    if native is not None:
        found.insert(0, ("X-Railguard-Key", native))
    return _agree(found)
