"""What a provider tells us about the person who signed in, and the start of a sign-in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from authlib.oauth2.rfc7636 import create_s256_code_challenge


@dataclass(frozen=True)
class Identity:
    provider: str
    subject: str  # the provider's stable id for the person (never the email)
    email: str
    email_verified: bool
    name: str


@dataclass(frozen=True)
class Attempt:
    """The secrets of one sign-in: `state` travels through the browser, `nonce` comes back in
    the ID token, `code_verifier` proves at the token endpoint that we started it (PKCE)."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> Attempt:
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48))

    @property
    def code_challenge(self) -> str:
        return str(create_s256_code_challenge(self.code_verifier))
