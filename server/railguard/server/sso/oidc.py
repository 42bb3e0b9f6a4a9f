"""Sign-in with an OpenID Connect issuer: authorization code flow with PKCE (S256).

Discovery, the token request and the JWKS go over aiohttp (authlib has no aiohttp client);
authlib builds the authorization URL and the PKCE challenge, and checks the ID token's claims
(`CodeIDToken`: issuer, audience, expiry, nonce, azp, at_hash) after joserfc, authlib's JOSE
library, has checked its signature against the issuer's keys.
"""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import quote_plus

import aiohttp
from authlib.common.urls import add_params_to_uri
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from railguard.server.errors import Unauthorized
from railguard.server.sso.config import SsoProvider
from railguard.server.sso.identity import Attempt, Identity

METADATA_TTL = 3600.0
LEEWAY = 60  # seconds of clock difference tolerated in exp/iat


def refused(message: str) -> Unauthorized:
    return Unauthorized(f"Sign-in failed: {message}", code="sso_failed")


async def _json(resp: aiohttp.ClientResponse, what: str) -> dict[str, Any]:
    if resp.status != 200:
        raise refused(f"the provider answered {resp.status} to the {what} request.")
    try:
        body = await resp.json(content_type=None)
    except ValueError as exc:
        raise refused(f"the provider's {what} answer is not JSON.") from exc
    if not isinstance(body, dict):
        raise refused(f"the provider's {what} answer is not a JSON object.")
    return body


def _client_secret_basic(provider: SsoProvider) -> str:
    """RFC 6749 §2.3.1: id and secret form-encoded, then HTTP Basic."""
    pair = f"{quote_plus(provider.client_id)}:{quote_plus(provider.client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class OidcClient:
    def __init__(self, provider: SsoProvider, http: aiohttp.ClientSession) -> None:
        self.provider = provider
        self.http = http
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._jwks: dict[str, Any] | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is not None and time.monotonic() - self._metadata[0] < METADATA_TTL:
            return self._metadata[1]
        url = self.provider.issuer + "/.well-known/openid-configuration"
        try:
            async with self.http.get(url) as resp:
                data = await _json(resp, "discovery")
        except aiohttp.ClientError as exc:
            raise refused(f"cannot reach {self.provider.label}: {exc}") from exc
        if data.get("issuer") != self.provider.issuer:
            raise refused("the provider's discovery document names another issuer.")
        self._metadata = (time.monotonic(), data)
        return data

    async def authorization_url(self, redirect_uri: str, attempt: Attempt) -> str:
        meta = await self.metadata()
        return str(add_params_to_uri(meta["authorization_endpoint"], [
            ("response_type", "code"), ("client_id", self.provider.client_id),
            ("redirect_uri", redirect_uri), ("scope", self.provider.scopes),
            ("state", attempt.state), ("nonce", attempt.nonce),
            ("code_challenge", attempt.code_challenge), ("code_challenge_method", "S256"),
        ]))  # fmt: skip

    async def identity(self, code: str, redirect_uri: str, attempt: Attempt) -> Identity:
        meta = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": attempt.code_verifier}  # fmt: skip
        headers = {
            "Authorization": _client_secret_basic(self.provider),
            "Accept": "application/json",
        }
        try:
            async with self.http.post(meta["token_endpoint"], data=form, headers=headers) as resp:
                token = await _json(resp, "token")
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise refused("the provider sent no ID token.")
            access_token = token.get("access_token")
            claims = await self._verified_claims(id_token, access_token, attempt)
            if "email" not in claims and isinstance(access_token, str):
                claims = await self._with_userinfo(claims, access_token)
        except aiohttp.ClientError as exc:
            raise refused(f"cannot reach {self.provider.label}: {exc}") from exc
        email = claims.get("email")
        return Identity(
            provider=self.provider.name, subject=str(claims["sub"]),
            email=email if isinstance(email, str) else "",
            email_verified=claims.get("email_verified") is True,
            name=str(claims.get("name") or ""),
        )  # fmt: skip

    async def _with_userinfo(self, claims: dict[str, Any], access_token: str) -> dict[str, Any]:
        """Many issuers put the email only in the UserInfo answer (OpenID Connect Core §5.3);
        it counts only when it is about the same subject as the ID token."""
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return claims
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        async with self.http.get(endpoint, headers=headers) as resp:
            info = await _json(resp, "userinfo")
        if info.get("sub") != claims["sub"]:
            raise refused("the provider's userinfo is about someone else.")
        return {**info, **claims}

    async def _keys(self, force: bool) -> KeySet:
        if self._jwks is None or force:
            async with self.http.get((await self.metadata())["jwks_uri"]) as resp:
                self._jwks = await _json(resp, "key set")
        return KeySet.import_key_set(self._jwks)  # type: ignore[arg-type]

    async def _verified_claims(
        self, id_token: str, access_token: object, attempt: Attempt
    ) -> dict[str, Any]:
        meta = await self.metadata()
        algorithms = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in algorithms if a != "none"]
        try:
            try:
                decoded = jwt.decode(id_token, await self._keys(False), algorithms=algorithms)
            except JoseError:  # the issuer may have rotated its keys: fetch them once more
                decoded = jwt.decode(id_token, await self._keys(True), algorithms=algorithms)
            params: dict[str, Any] = {"nonce": attempt.nonce, "client_id": self.provider.client_id}
            if isinstance(access_token, str):
                params["access_token"] = access_token
            claims = CodeIDToken(
                decoded.claims, decoded.header,
                {"iss": {"essential": True, "value": self.provider.issuer},
                 "aud": {"essential": True, "value": self.provider.client_id},
                 "nonce": {"essential": True}},
                params,
            )  # fmt: skip
            claims.validate(leeway=LEEWAY)
        except JoseError as exc:
            raise refused(f"the ID token was not valid ({exc.error}).") from exc
        return dict(claims)
