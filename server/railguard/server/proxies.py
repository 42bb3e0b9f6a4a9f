"""Client addresses behind reverse proxies: `RAILGUARD_TRUSTED_PROXIES`.

The peer address is the client unless the peer is a trusted proxy; then the `Forwarded`
(RFC 7239) or else the `X-Forwarded-For` header is read from the right, skipping trusted hops,
and the first address not trusted is the client. Headers from anyone else are ignored, so a
client cannot choose the address that login throttling and event `user.ip_address` see.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from railguard.server.settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def parse_node(value: str) -> Address | None:
    """An address from a header hop: `192.0.2.1`, `192.0.2.1:443`, `"[2001:db8::1]:80"`."""
    text = value.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address, networks: Sequence[Network]) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    return any(address in net or (mapped is not None and mapped in net) for net in networks)


def client_address(peer: str | None, hops: Sequence[str], trusted: Sequence[Network]) -> str | None:
    """The client's address given the peer and the forwarded hops (left to right)."""
    current = parse_node(peer) if peer else None
    if current is None:
        return peer
    for hop in reversed(hops):
        if not _trusted(current, trusted):
            break
        previous = parse_node(hop)
        if previous is None:  # a hop nobody can vouch for: the last proxy is as far as we know
            break
        current = previous
    return str(current)


def forwarded_hops(request: web.Request) -> list[str]:
    if request.headers.get("Forwarded"):
        return [str(hop["for"]) for hop in request.forwarded if "for" in hop]
    values = request.headers.getall("X-Forwarded-For", [])
    return [part for value in values for part in value.split(",") if part.strip()]


def trusted_proxy_middleware(
    trusted: Sequence[Network],
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """A middleware that sets `request.remote` to the client behind the trusted proxies."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.remote
        if peer is None or not _trusted_peer(peer, trusted):
            return await handler(request)
        client = client_address(peer, forwarded_hops(request), trusted)
        if client is None or client == peer:
            return await handler(request)
        return await handler(request.clone(remote=client))

    return middleware


def _trusted_peer(peer: str, trusted: Sequence[Network]) -> bool:
    address = parse_node(peer)
    return address is not None and _trusted(address, trusted)
