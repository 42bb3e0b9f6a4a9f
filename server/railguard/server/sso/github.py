"""Sign-in with GitHub (OAuth 2 web application flow, with PKCE and state).

GitHub issues no ID token: the person is `GET /user` (the numeric id is the subject; logins
can be renamed) and their email is the primary address of `GET /user/emails` when GitHub
marks it verified. Endpoints as GitHub documents them for OAuth apps; the base URLs are
settings so GitHub Enterprise (and the tests' stand-in server) can be used.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from authlib.common.urls import add_params_to_uri

from railguard.server.sso.config import SsoProvider
from railguard.server.sso.identity import Attempt, Identity
from railguard.server.sso.oidc import refused

_API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class GitHubClient:
    def __init__(self, provider: SsoProvider, http: aiohttp.ClientSession) -> None:
        self.provider = provider
        self.http = http

    async def authorization_url(self, redirect_uri: str, attempt: Attempt) -> str:
        return str(add_params_to_uri(self.provider.web_url + "/login/oauth/authorize", [
            ("client_id", self.provider.client_id), ("redirect_uri", redirect_uri),
            ("scope", self.provider.scopes), ("state", attempt.state),
            ("code_challenge", attempt.code_challenge), ("code_challenge_method", "S256"),
            ("allow_signup", "false"),
        ]))  # fmt: skip

    async def _get(self, path: str, token: str) -> Any:
        headers = {**_API_HEADERS, "Authorization": f"Bearer {token}"}
        async with self.http.get(self.provider.api_url + path, headers=headers) as resp:
            if resp.status != 200:
                raise refused(f"GitHub answered {resp.status} to {path}.")
            return await resp.json(content_type=None)

    async def identity(self, code: str, redirect_uri: str, attempt: Attempt) -> Identity:
        form = {
            "client_id": self.provider.client_id, "client_secret": self.provider.client_secret,
            "code": code, "redirect_uri": redirect_uri, "code_verifier": attempt.code_verifier,
        }  # fmt: skip
        try:
            async with self.http.post(
                self.provider.web_url + "/login/oauth/access_token", data=form,
                headers={"Accept": "application/json"},
            ) as resp:  # fmt: skip
                body = await resp.json(content_type=None) if resp.status == 200 else {}
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str):
                error = body.get("error", f"HTTP {resp.status}") if isinstance(body, dict) else ""
                raise refused(f"GitHub refused the code ({error}).")
            user = await self._get("/user", token)
            emails = await self._get("/user/emails", token)
        except aiohttp.ClientError as exc:
            raise refused(f"cannot reach GitHub: {exc}") from exc
        if not isinstance(user, dict) or not isinstance(user.get("id"), int):
            raise refused("GitHub's /user answer has no id.")
        primary = next((e for e in emails if isinstance(e, dict) and e.get("primary")), None)
        chosen = primary if primary and primary.get("verified") is True else None
        chosen = chosen or next(
            (e for e in emails if isinstance(e, dict) and e.get("verified") is True), primary
        )
        return Identity(
            provider=self.provider.name, subject=str(user["id"]),
            email=str(chosen.get("email") or "") if chosen else "",
            email_verified=bool(chosen and chosen.get("verified") is True),
            name=str(user.get("name") or user.get("login") or ""),
        )  # fmt: skip
