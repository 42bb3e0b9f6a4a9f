"""Helpers shared by the end-to-end ingest tests: a project to send to, envelopes, polling.

Everything goes through the real HTTP interface (`client` on a real port); SQL on the test's
database is used only to look at what was stored where the API does not show it.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
import orjson
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from support import Account, Api

T = TypeVar("T")
Client = TestClient[Any, Any]


@dataclass
class Ctx:
    """A user with a project and its first ingest key."""

    client: Client
    owner: Account
    project: dict[str, Any]

    @property
    def pid(self) -> int:
        return int(self.project["id"])

    @property
    def key(self) -> str:
        return str(self.project["ingest_key"]["public_key"])

    @property
    def headers(self) -> dict[str, str]:
        return self.owner.headers

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"X-Sentry-Auth": f"Sentry sentry_key={key or self.key}, sentry_version=7"}

    async def send(
        self, body: bytes, *, key: str | None = None, pid: int | None = None, **headers: str
    ) -> ClientResponse:
        """POST an envelope with X-Sentry-Auth (unless `auth` headers are overridden)."""
        hdrs = {**self.auth(key), **{k.replace("_", "-"): v for k, v in headers.items()}}
        # Big bodies go as a stream (aiohttp warns about big raw bytes, and warnings are errors).
        data: bytes | io.BytesIO = io.BytesIO(body) if len(body) > 512 * 1024 else body
        return await self.client.post(f"/api/{pid or self.pid}/envelope/", data=data, headers=hdrs)

    async def native(
        self, event: dict[str, Any], *, key: str | None = None, path: str = "/api/v1/events"
    ) -> ClientResponse:
        return await self.client.post(
            path, data=orjson.dumps(event), headers={"X-Railguard-Key": key or self.key}
        )

    async def incidents(self, **query: str) -> list[dict[str, Any]]:
        resp = await self.client.get(
            f"/api/v1/projects/{self.pid}/incidents", params=query, headers=self.headers
        )
        assert resp.status == 200, await resp.text()
        items: list[dict[str, Any]] = (await resp.json())["items"]
        return items

    async def incident(self, incident_id: int) -> dict[str, Any]:
        resp = await self.client.get(f"/api/v1/incidents/{incident_id}", headers=self.headers)
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body

    async def act(self, incident_id: int, action: str, **body: Any) -> dict[str, Any]:
        resp = await self.client.post(
            f"/api/v1/incidents/{incident_id}/{action}", json=body, headers=self.headers
        )
        assert resp.status == 200, await resp.text()
        out: dict[str, Any] = await resp.json()
        return out

    async def new_key(self, **body: Any) -> str:
        resp = await self.client.post(
            f"/api/v1/projects/{self.pid}/keys", json=body, headers=self.headers
        )
        assert resp.status == 201, await resp.text()
        return str((await resp.json())["public_key"])


async def new_project(api: Api, owner: Account | None = None, **extra: Any) -> Ctx:
    owner = owner or await api.account()
    return Ctx(api.client, owner, await api.project(owner, **extra))


def event_id() -> str:
    return uuid.uuid4().hex


def sentry_event(
    error_type: str = "KeyError",
    value: str = "'missing'",
    *,
    filename: str = "shop/billing.py",
    function: str = "load_invoice",
    lineno: int = 2,
    eid: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A Python-SDK-shaped error event with a two-frame stack."""
    frames = [
        {"filename": "run.py", "abs_path": "/srv/app/run.py", "module": "__main__",
         "function": "<module>", "lineno": 9, "in_app": True},
        {"filename": filename, "abs_path": f"/srv/app/{filename}", "module": "shop.billing",
         "function": function, "lineno": lineno, "in_app": True},
    ]  # fmt: skip
    return {
        "event_id": eid or event_id(),
        "platform": "python",
        "level": "error",
        "exception": {"values": [{"type": error_type, "value": value,
                                  "stacktrace": {"frames": frames}}]},
        **fields,
    }  # fmt: skip


def envelope(
    *items: tuple[str, Any],
    lengths: bool = True,
    headers: dict[str, Any] | None = None,
    trailing_newline: bool = True,
) -> bytes:
    """Frame items (`(type, payload)`; payload dict → JSON, bytes as is) into an envelope."""
    head = dict(headers or {})
    for kind, payload in items:
        if kind == "event" and isinstance(payload, dict) and "event_id" in payload:
            head.setdefault("event_id", payload["event_id"])
    lines = [_dumps(head)]
    for kind, payload in items:
        raw = payload if isinstance(payload, bytes) else _dumps(payload)
        item: dict[str, Any] = {"type": kind}
        if lengths:
            item["length"] = len(raw)
        lines += [orjson.dumps(item), raw]
    return b"\n".join(lines) + (b"\n" if trailing_newline else b"")


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers beyond 64 bits, which some tests send on purpose
        return json.dumps(value).encode()


def event_envelope(event: dict[str, Any] | None = None, **kw: Any) -> bytes:
    return envelope(("event", event or sentry_event()), **kw)


async def wait_for(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 5.0, what: str = "condition"
) -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def sql(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def stored_payload(database_url: str, eid: str) -> dict[str, Any]:
    (row,) = await sql(
        database_url, "SELECT payload::text FROM events WHERE event_id = $1", uuid.UUID(eid)
    )
    payload: dict[str, Any] = orjson.loads(row[0])
    return payload


async def event_count(database_url: str) -> int:
    (row,) = await sql(database_url, "SELECT count(*) FROM events")
    return int(row[0])
