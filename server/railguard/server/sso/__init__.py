"""Sign-in through other services: GitHub (OAuth 2) and OpenID Connect issuers (docs/sign-in.md)."""
