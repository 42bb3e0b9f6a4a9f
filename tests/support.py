"""Helpers shared by the test folders: HTTP accounts and projects, and (from `testkit.served`,
shared with the benchmarks) a served backend's handle and free ports. Fixtures
live in conftest.py; tests import helpers from here (never from a conftest, whose module name
is shared by every folder's conftest)."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp.test_utils import TestClient
from testkit.served import ServedBackend, free_port, wait_for_health

__all__ = [
    "Account",
    "Api",
    "ServedBackend",
    "free_port",
    "pg_home",
    "wait_for_health",
    "with_database",
]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def pg_home(base: Path) -> Path:
    """A folder for an embedded cluster under a test's temporary `base`. As root the cluster
    runs as a system user, which Railguard never lets through closed folders; pytest makes its
    temporary folders 0700, so the test opens its own (execute only, no listing) up to /tmp."""
    if os.geteuid() == 0:
        for folder in [base, *base.parents]:
            if folder == Path(tempfile.gettempdir()) or folder == folder.parent:
                break
            folder.chmod(folder.stat().st_mode | 0o001)
    return base / "pg"


@dataclass
class Account:
    id: int
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """Helpers that set up state through the public API, as a user would."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    async def account(self, email: str | None = None, password: str = "correct horse") -> Account:
        email = email or f"user-{secrets.token_hex(4)}@example.com"
        resp = await self.client.post(
            "/api/v1/auth/signup", json={"email": email, "password": password}
        )
        assert resp.status == 202, await resp.text()
        resp = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert resp.status == 201, await resp.text()
        body = await resp.json()
        return Account(body["user"]["id"], email, body["token"])

    async def join(
        self, admin: Account, member: Account, *, project_id: int | None = None,
        organization_id: int | None = None, role: str = "member",
        mailed_link: Callable[[str], str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """`member` invited to an organisation (or a project's) by `admin`, and accepting. With
        SMTP configured the link is mailed: `mailed_link(email)` reads it from the mailbox."""
        path = (
            f"/api/v1/organizations/{organization_id}/invitations"
            if organization_id is not None
            else f"/api/v1/projects/{project_id}/members"
        )
        resp = await self.client.post(
            path, json={"email": member.email, "role": role}, headers=admin.headers
        )
        assert resp.status == 202, await resp.text()
        link = (await resp.json())["link"] or (mailed_link and mailed_link(member.email))
        assert link, "the invitation link was neither shown nor mailed"
        resp = await self.client.post(
            "/api/v1/invitations/accept",
            json={"token": link.rsplit("/", 1)[1]},
            headers=member.headers,
        )
        assert resp.status == 200, await resp.text()
        joined: dict[str, Any] = await resp.json()
        return joined

    async def project(
        self, owner: Account, repository: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        repository = repository or f"github.com/acme/app-{secrets.token_hex(3)}"
        resp = await self.client.post(
            "/api/v1/projects",
            json={"name": "app", "repository": repository, **extra},
            headers=owner.headers,
        )
        assert resp.status == 201, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body
