"""RAILGUARD_TRUSTED_PROXIES: forwarded client addresses are believed only from trusted peers."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from e2e import event_envelope, event_id, new_project, sentry_event, stored_payload

from railguard.server.app import create_app
from railguard.server.proxies import client_address, trusted_proxy_middleware
from railguard.server.settings import Network, Settings
from support import Api, free_port

LOOPBACK: list[Network] = [ipaddress.ip_network("127.0.0.1/32")]
PROXIES: list[Network] = [ipaddress.ip_network("10.0.0.0/8")]


@pytest.mark.parametrize(
    "peer, hops, expected",
    [
        pytest.param("203.0.113.9", ["198.51.100.1"], "203.0.113.9", id="untrusted-peer-lies"),
        pytest.param("10.0.0.2", ["198.51.100.1"], "198.51.100.1", id="one-proxy"),
        pytest.param("10.0.0.2", ["6.6.6.6", "198.51.100.1", "10.0.0.3"], "198.51.100.1",
                     id="client-spoofs-left-of-real"),
        pytest.param("10.0.0.2", ["10.0.0.5", "10.0.0.3"], "10.0.0.5", id="all-trusted"),
        pytest.param("10.0.0.2", ["unknown"], "10.0.0.2", id="garbage-hop"),
        pytest.param("10.0.0.2", ['"[2001:db8::1]:4711"'], "2001:db8::1", id="forwarded-v6"),
        pytest.param("10.0.0.2", ["198.51.100.1:5555"], "198.51.100.1", id="with-port"),
        pytest.param("::ffff:10.0.0.2", ["198.51.100.1"], "198.51.100.1", id="mapped-peer"),
    ],
)  # fmt: skip
def test_client_address(peer: str, hops: list[str], expected: str) -> None:
    assert client_address(peer, hops, PROXIES) == expected


async def _echo(request: web.Request) -> web.Response:
    return web.Response(text=request.remote or "")


async def _remote_seen(trusted: list[Network], headers: dict[str, str]) -> str:
    app = web.Application(middlewares=[trusted_proxy_middleware(trusted)])
    app.router.add_get("/", _echo)
    async with TestClient(TestServer(app, host="127.0.0.1", port=free_port())) as client:
        resp = await client.get("/", headers=headers)
        return await resp.text()


async def test_headers_from_a_trusted_peer_name_the_client() -> None:
    xff = {"X-Forwarded-For": "198.51.100.7, 127.0.0.1"}
    assert await _remote_seen(LOOPBACK, xff) == "198.51.100.7"
    forwarded = {"Forwarded": 'for=198.51.100.8;proto=https, for="127.0.0.1"'}
    assert await _remote_seen(LOOPBACK, forwarded) == "198.51.100.8"


async def test_headers_from_anyone_else_are_ignored() -> None:
    xff = {"X-Forwarded-For": "198.51.100.7"}
    assert await _remote_seen(PROXIES, xff) == "127.0.0.1"


async def _stored_ip(settings: Settings, headers: dict[str, str]) -> Any:
    app = create_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1", port=free_port())) as client:
        ctx = await new_project(Api(client))
        eid = event_id()
        event = sentry_event(eid=eid, user={"ip_address": "{{auto}}"})
        extra: dict[str, Any] = dict(headers)  # header names, not send()'s keywords
        resp = await ctx.send(event_envelope(event), **extra)
        assert resp.status == 200, await resp.text()
        payload = await stored_payload(settings.database_url or "", eid)
        return payload.get("user", {}).get("ip_address")


async def test_ingest_records_the_forwarded_client_only_behind_a_trusted_proxy(
    settings: Settings,
) -> None:
    spoof = {"X_Forwarded_For": "198.51.100.7"}
    assert await _stored_ip(settings, spoof) == "127.0.0.1"
    trusting = settings.model_copy(update={"trusted_proxies": LOOPBACK})
    assert await _stored_ip(trusting, spoof) == "198.51.100.7"
