"""Which sign-in providers this server offers, read from the environment.

Any number of OpenID Connect issuers (`RAILGUARD_OIDC_<NAME>_ISSUER`, `_CLIENT_ID`,
`_CLIENT_SECRET`, optional `_LABEL` and `_SCOPES`) and GitHub (`RAILGUARD_GITHUB_CLIENT_ID`,
`_CLIENT_SECRET`, optional `RAILGUARD_GITHUB_URL` and `RAILGUARD_GITHUB_API_URL` for GitHub
Enterprise). A half-configured provider is a `SsoConfigError` naming the variable: the server
does not start with a sign-in button that cannot work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

_OIDC = re.compile(r"^RAILGUARD_OIDC_([A-Z0-9]+)_(ISSUER|CLIENT_ID|CLIENT_SECRET|LABEL|SCOPES)$")
_OIDC_PREFIX = "RAILGUARD_OIDC_"


class SsoConfigError(ValueError):
    """A provider's settings are incomplete or wrong; the message is one line."""


class SsoProvider(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str  # in URLs: /login/sso/<name>
    kind: Literal["oidc", "github"]
    label: str
    client_id: str
    client_secret: str
    issuer: str = ""  # OpenID Connect: discovery at <issuer>/.well-known/openid-configuration
    scopes: str = "openid email profile"
    web_url: str = "https://github.com"  # GitHub: where people authorize
    api_url: str = "https://api.github.com"


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SsoConfigError(f"bad setting {name}={value!r}: must be an http(s) URL")
    return value.rstrip("/")


def load_providers(environ: Mapping[str, str]) -> tuple[SsoProvider, ...]:
    found: dict[str, dict[str, str]] = {}
    for key, value in environ.items():
        if not key.startswith(_OIDC_PREFIX) or not value:
            continue
        match = _OIDC.match(key)
        if match is None:
            raise SsoConfigError(
                f"unknown setting {key}: expected RAILGUARD_OIDC_<NAME>_ISSUER, _CLIENT_ID, "
                "_CLIENT_SECRET, _LABEL or _SCOPES with NAME in A-Z and 0-9"
            )
        found.setdefault(match.group(1), {})[match.group(2)] = value.strip()
    providers = []
    for upper, values in sorted(found.items()):
        prefix = f"{_OIDC_PREFIX}{upper}_"
        if upper == "GITHUB":
            raise SsoConfigError(f"{prefix}*: the name GITHUB is GitHub's own (RAILGUARD_GITHUB_*)")
        for required in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET"):
            if not values.get(required):
                raise SsoConfigError(f"missing setting {prefix}{required}")
        providers.append(SsoProvider(
            name=upper.lower(), kind="oidc", label=values.get("LABEL") or upper.title(),
            client_id=values["CLIENT_ID"], client_secret=values["CLIENT_SECRET"],
            issuer=_url(prefix + "ISSUER", values["ISSUER"]),
            scopes=values.get("SCOPES") or "openid email profile",
        ))  # fmt: skip
    github_id = environ.get("RAILGUARD_GITHUB_CLIENT_ID", "").strip()
    github_secret = environ.get("RAILGUARD_GITHUB_CLIENT_SECRET", "").strip()
    if github_id or github_secret:
        if not (github_id and github_secret):
            missing = "SECRET" if github_id else "ID"
            raise SsoConfigError(f"missing setting RAILGUARD_GITHUB_CLIENT_{missing}")
        providers.append(SsoProvider(
            name="github", kind="github", label="GitHub", client_id=github_id,
            client_secret=github_secret, scopes="read:user user:email",
            web_url=_url("RAILGUARD_GITHUB_URL",
                         environ.get("RAILGUARD_GITHUB_URL") or "https://github.com"),
            api_url=_url("RAILGUARD_GITHUB_API_URL",
                         environ.get("RAILGUARD_GITHUB_API_URL") or "https://api.github.com"),
        ))  # fmt: skip
    return tuple(providers)
