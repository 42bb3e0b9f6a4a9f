"""Ping check: one ICMP echo (IPv4). Unprivileged processes use a datagram ICMP socket, which
Linux allows when the process's group is in `net.ipv4.ping_group_range`; root uses a raw socket.
`ping_problem()` says at monitor creation why this process cannot ping, instead of every check
failing later.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import struct
import time

from railguard.server.uptime.checks.result import CheckResult
from railguard.wire import uptime as u

_ECHO_REQUEST, _ECHO_REPLY = 8, 0


def _open() -> tuple[socket.socket, bool]:
    """An ICMP socket and whether it is raw (replies then carry the IP header)."""
    try:
        return socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP), False
    except PermissionError:
        if os.geteuid() != 0:
            raise
    return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), True


def ping_problem() -> str | None:
    """None when this process can send ICMP echoes; otherwise one sentence saying why not."""
    try:
        sock, _ = _open()
    except OSError as exc:
        try:
            with open("/proc/sys/net/ipv4/ping_group_range") as f:
                allowed = f.read().split()
        except OSError:
            allowed = []
        where = f" (net.ipv4.ping_group_range is {' '.join(allowed)})" if allowed else ""
        return (
            f"this process cannot send ICMP echoes: {exc.strerror or exc}{where}; run as root or "
            f"add group {os.getegid()} to net.ipv4.ping_group_range"
        )
    sock.close()
    return None


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(identifier: int, sequence: int, payload: bytes) -> bytes:
    header = struct.pack("!BBHHH", _ECHO_REQUEST, 0, 0, identifier, sequence)
    checksum = _checksum(header + payload)
    return struct.pack("!BBHHH", _ECHO_REQUEST, 0, checksum, identifier, sequence) + payload


def parse_reply(packet: bytes, *, raw: bool) -> tuple[int, int, int] | None:
    """(type, identifier, sequence) of an ICMP message, skipping the IP header of a raw read."""
    if raw:
        if len(packet) < 20:
            return None
        packet = packet[(packet[0] & 0x0F) * 4 :]
    if len(packet) < 8:
        return None
    kind, _, _, identifier, sequence = struct.unpack("!BBHHH", packet[:8])
    return kind, identifier, sequence


async def check(spec: u.PingCheck, timeout: float) -> CheckResult:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(spec.host, None, family=socket.AF_INET, type=socket.SOCK_DGRAM)
    address = infos[0][4][0]
    sock, raw = _open()
    with sock:
        sock.setblocking(False)
        identifier = secrets.randbits(16)
        sequence = secrets.randbits(16)
        packet = echo_request(identifier, sequence, secrets.token_bytes(16))
        started = time.perf_counter()
        await loop.sock_sendto(sock, packet, (address, 0))
        while True:  # a raw socket sees every echo reply to this host: find ours
            data, _ = await loop.sock_recvfrom(sock, 2048)
            parsed = parse_reply(data, raw=raw)
            if parsed is None or parsed[0] != _ECHO_REPLY or parsed[2] != sequence:
                continue
            if raw and parsed[1] != identifier:  # the kernel sets and filters it otherwise
                continue
            return CheckResult(True, (time.perf_counter() - started) * 1000)
