"""HTTP check: status in range, optional body text, and the TLS certificate's expiry.

Each check opens its own connection (no keep-alive across checks), so the latency includes
connecting and the certificate read is the one the server presents now.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from datetime import datetime
from urllib.parse import urlsplit

import aiohttp
from cryptography import x509

from railguard.server.uptime.checks.result import CheckResult, failed
from railguard.wire import uptime as u

_BODY_LIMIT = 1024 * 1024
_MAX_REDIRECTS = 10
_USER_AGENT = "Railguard-Uptime/1"
# Made once: loading the system's CA store for a context per check costs milliseconds of CPU,
# and this one only reads the presented certificate (it verifies nothing).
_UNVERIFIED = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_UNVERIFIED.check_hostname = False
_UNVERIFIED.verify_mode = ssl.CERT_NONE


async def certificate_expiry(host: str, port: int) -> datetime | None:
    """The expiry of the certificate the server presents, read on a connection of its own
    (aiohttp gives a small response's connection back before its TLS object can be read).
    Trust is not checked here: the request itself does that when `verify_tls` is set."""
    try:
        _, writer = await asyncio.open_connection(host, port, ssl=_UNVERIFIED, server_hostname=host)
    except (OSError, ssl.SSLError):
        return None
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        return x509.load_der_x509_certificate(der).not_valid_after_utc if der else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


async def check(spec: u.HttpCheck, timeout: float) -> CheckResult:
    parts = urlsplit(spec.url)
    expiry: asyncio.Task[datetime | None] | None = None
    if parts.scheme == "https" and spec.cert_expiry_days > 0 and parts.hostname:
        expiry = asyncio.create_task(certificate_expiry(parts.hostname, parts.port or 443))
    try:
        return await _request(spec, timeout, expiry)
    finally:
        if expiry is not None and not expiry.done():
            expiry.cancel()


async def _request(
    spec: u.HttpCheck, timeout: float, expiry: asyncio.Task[datetime | None] | None
) -> CheckResult:
    connector = aiohttp.TCPConnector(force_close=True, ssl=spec.verify_tls)
    started = time.perf_counter()
    try:
        async with (
            aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=timeout),
                headers={"User-Agent": _USER_AGENT},
                auto_decompress=True,
            ) as session,
            session.request(
                spec.method,
                spec.url,
                allow_redirects=spec.follow_redirects,
                max_redirects=_MAX_REDIRECTS,
            ) as response,  # fmt: skip
        ):
            body = b""
            if spec.body_contains is not None:
                body = await response.content.read(_BODY_LIMIT)
            elapsed = (time.perf_counter() - started) * 1000
            status = response.status
    except aiohttp.TooManyRedirects:
        return failed(f"more than {_MAX_REDIRECTS} redirects", _ms(started))
    except aiohttp.ClientConnectorCertificateError as exc:
        return failed(f"TLS certificate not trusted: {exc.certificate_error}", _ms(started))
    except aiohttp.ClientSSLError as exc:
        return failed(f"TLS handshake failed: {exc}", _ms(started))
    except aiohttp.ClientError as exc:
        return failed(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                      _ms(started))  # fmt: skip
    expires = await expiry if expiry is not None else None
    if not spec.status_min <= status <= spec.status_max:
        return CheckResult(
            False,
            elapsed,
            f"status {status}, expected {spec.status_min}-{spec.status_max}",
            expires,
        )
    if spec.body_contains is not None and spec.body_contains.encode() not in body:
        return CheckResult(False, elapsed, f"the body does not contain {spec.body_contains!r}",
                           expires)  # fmt: skip
    return CheckResult(True, elapsed, None, expires)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
