"""State set up through a served backend's public API, as a user would: an account and its token,
projects with their ingest keys. For code outside pytest's fixtures (benchmarks, fault tests)."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp


async def sign_up(session: aiohttp.ClientSession, url: str, prefix: str) -> str:
    """A new account (`<prefix>-<random>@example.com`) and a personal API token for it."""
    email, password = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com", "a long passphrase"
    credentials = {"email": email, "password": password}
    async with session.post(f"{url}/api/v1/auth/signup", json=credentials) as resp:
        assert resp.status == 202, await resp.text()
    async with session.post(f"{url}/api/v1/auth/login", json=credentials) as resp:
        assert resp.status == 201, await resp.text()
        token: str = (await resp.json())["token"]
    return token


async def create_project(
    session: aiohttp.ClientSession, url: str, token: str, name: str, repository: str
) -> dict[str, Any]:
    """A project (the body of `POST /api/v1/projects`: with its first ingest key and DSN)."""
    async with session.post(
        f"{url}/api/v1/projects",
        json={"name": name, "repository": repository},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        assert resp.status == 201, await resp.text()
        project: dict[str, Any] = await resp.json()
    return project
