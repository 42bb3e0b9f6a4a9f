"""Test helpers that build what a user has: a git repository with history, a backend account
and project for it, and a production incident reported through the native API."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}


def git(repo: Path, *args: str) -> str:
    env = {**GIT_ENV, "HOME": str(repo)}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


def commit_files(repo: Path, files: dict[str, str], message: str = "change") -> str:
    """Write the files, commit them, return the new HEAD."""
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    json: Any = None,
    headers: dict[str, str] | None = None,
    expect: int | tuple[int, ...] = (200, 201, 202),
) -> Any:
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    async with session.request(method, url, json=json, headers=all_headers) as resp:
        body = await resp.json(content_type=None) if resp.status != 204 else None
        wanted = (expect,) if isinstance(expect, int) else expect
        assert resp.status in wanted, (method, url, resp.status, body)
        return body


@dataclass
class Tenant:
    """A signed-up user with a token and one project."""

    base_url: str
    token: str
    project: dict[str, Any]

    @property
    def ingest_key(self) -> str:
        key: str = self.project["ingest_key"]["public_key"]
        return key

    async def add_project(self, repository: str) -> Tenant:
        """Another project owned by the same person (same token), e.g. for a multi-root
        workspace."""
        async with aiohttp.ClientSession() as session:
            project = await call(
                session, "POST", f"{self.base_url}/api/v1/projects", token=self.token,
                json={"name": repository.rsplit("/", 1)[1], "repository": repository},
            )  # fmt: skip
        return Tenant(self.base_url, self.token, project)

    async def report(
        self,
        *,
        path: str,
        line: int,
        commit: str,
        context_line: str,
        error_type: str = "KeyError",
        message: str = "'missing'",
        function: str = "load_invoice",
        pre_context: list[str] | None = None,
        post_context: list[str] | None = None,
        extra_frames: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Report one production event through the native API; return the incident."""
        frame = {
            "filename": path, "function": function, "lineno": line, "in_app": True,
            "context_line": context_line, "pre_context": pre_context or [],
            "post_context": post_context or [],
        }  # fmt: skip
        event = {
            "event_id": uuid.uuid4().hex,
            "error_type": error_type,
            "message": message,
            "commit_sha": commit,
            "environment": "production",
            "frames": [*(extra_frames or []), frame],
        }
        async with aiohttp.ClientSession() as session:
            await call(
                session, "POST", f"{self.base_url}/api/v1/events", json=event,
                headers={"X-Railguard-Key": self.ingest_key}, expect=201,
            )  # fmt: skip
            page = await call(
                session, "GET",
                f"{self.base_url}/api/v1/projects/{self.project['id']}/incidents?status=open",
                token=self.token,
            )  # fmt: skip
        for incident in page["items"]:
            if incident["error_type"] == error_type and incident["top_frame"]["path"] == path:
                found: dict[str, Any] = incident
                return found
        raise AssertionError(f"no incident for {path}: {page}")


async def new_tenant(base_url: str, repository: str) -> Tenant:
    email = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    credentials = {"email": email, "password": "correct horse"}
    async with aiohttp.ClientSession() as session:
        await call(session, "POST", f"{base_url}/api/v1/auth/signup", json=credentials)
        login = await call(session, "POST", f"{base_url}/api/v1/auth/login", json=credentials)
        project = await call(
            session, "POST", f"{base_url}/api/v1/projects", token=login["token"],
            json={"name": "shop", "repository": repository},
        )  # fmt: skip
    return Tenant(base_url, login["token"], project)


BILLING_V1 = """\
def load_invoice(invoices, number):
    return invoices[number]


def charge(number):
    invoices = {}
    return load_invoice(invoices, number)
"""

# HEAD moves the failing line down by three and changes nothing else about it.
BILLING_HEAD = '''\
"""Billing."""

import logging

def load_invoice(invoices, number):
    return invoices[number]


def charge(number):
    invoices = {}
    return load_invoice(invoices, number)
'''


@dataclass
class IncidentRepo:
    """A repository whose incident was reported at `deployed` line 2 and is at HEAD line 6."""

    root: Path
    deployed: str
    head: str
    file: Path
    line_at_head: int  # 1-based
    tenant: Tenant
    incident: dict[str, Any]


async def incident_repo(base_url: str, root: Path) -> IncidentRepo:
    repository = f"github.com/acme/shop-{uuid.uuid4().hex[:6]}"
    tenant = await new_tenant(base_url, repository)
    deployed = commit_files(root, {"shop/billing.py": BILLING_V1, "README.md": "shop\n"})
    git(root, "remote", "add", "origin", f"git@github.com:{repository.split('/', 1)[1]}.git")
    head = commit_files(root, {"shop/billing.py": BILLING_HEAD}, "docs")
    incident = await tenant.report(
        path="shop/billing.py", line=2, commit=deployed,
        context_line="    return invoices[number]",
        pre_context=["def load_invoice(invoices, number):"], post_context=["", ""],
    )  # fmt: skip
    return IncidentRepo(root, deployed, head, root / "shop/billing.py", 6, tenant, incident)
