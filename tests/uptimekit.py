"""Real local targets for uptime tests: an HTTP(S) server switchable between healthy, failing,
slow and dropping connections (counting hits); a TCP listener; a DNS server on loopback that
answers, fails or stays silent; self-signed certificates with a chosen expiry."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from aiohttp import web

from support import free_port


@dataclass
class HttpTarget:
    """mode: "ok" (200 "healthy"), "error" (500), "slow" (answers after 30 s), "drop" (closes
    the connection without answering). `hits` counts requests."""

    mode: str = "ok"
    hits: int = 0
    port: int = field(default_factory=free_port)
    tls: ssl.SSLContext | None = None
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/health"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        if self.mode == "error":
            return web.Response(status=500, text="broken")
        if self.mode == "slow":
            await asyncio.sleep(30)
        if self.mode == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=204)  # written to a closed socket: never received
        if self.mode == "redirect":
            raise web.HTTPFound("/elsewhere")
        return web.Response(text="status: healthy")

    async def start(self) -> HttpTarget:
        app = web.Application()
        app.router.add_route("*", "/health", self._handle)
        app.router.add_get("/elsewhere", self._moved)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, ssl_context=self.tls).start()
        return self

    async def _moved(self, request: web.Request) -> web.Response:
        return web.Response(text="moved here")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class TcpTarget:
    def __init__(self) -> None:
        self.port = free_port()
        self.accepted = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> TcpTarget:
        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.accepted += 1
            writer.close()

        self._server = await asyncio.start_server(accept, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class _DnsProtocol(asyncio.DatagramProtocol):
    def __init__(self, target: DnsTarget) -> None:
        self.target = target
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.target.queries += 1
        if self.target.mode == "silent":
            return
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        if self.target.mode == "fail":
            response.set_rcode(dns.rcode.SERVFAIL)
        else:
            question = query.question[0]
            for rdtype, values in self.target.records.get(question.name.to_text(), {}).items():
                if rdtype == question.rdtype:
                    response.answer.append(
                        dns.rrset.from_text_list(
                            question.name, 60, "IN", dns.rdatatype.RdataType(rdtype), values
                        )
                    )
            if not response.answer and question.name.to_text() not in self.target.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
        response.flags |= dns.flags.AA
        assert self.transport is not None
        self.transport.sendto(response.to_wire(), addr)


class DnsTarget:
    """An authoritative-looking UDP DNS server on 127.0.0.1. mode: "answer", "fail" (SERVFAIL),
    "silent" (no reply). records: {"name.": {rdtype: ["value", ...]}}."""

    def __init__(self, records: dict[str, dict[int, list[str]]]) -> None:
        self.records = records
        self.mode = "answer"
        self.queries = 0
        self.port = free_port()
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> DnsTarget:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: _DnsProtocol(self), local_addr=("127.0.0.1", self.port)
        )
        return self

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()


async def eventually(probe: Any, *, timeout: float = 40.0, every: float = 0.2) -> Any:
    """Await `probe()` until it returns something truthy; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s; last value {value!r}")
        await asyncio.sleep(every)
