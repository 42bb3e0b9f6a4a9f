"""HTTP check: status in range, optional body text, and the TLS certificate's expiry.

Each check opens its own connection (no keep-alive across checks), so the latency includes
connecting and the certificate read is the one the server presents now.
"""

from __future__ import annotations

import ssl
import time
from datetime import datetime

import aiohttp
from cryptography import x509

from railguard.server.uptime.checks import CheckResult, failed
from railguard.wire import uptime as u

_BODY_LIMIT = 1024 * 1024
_MAX_REDIRECTS = 10
_USER_AGENT = "Railguard-Uptime/1"


def _certificate_expiry(response: aiohttp.ClientResponse) -> datetime | None:
    connection = response.connection
    if connection is None or connection.transport is None:
        return None
    ssl_object = connection.transport.get_extra_info("ssl_object")
    if not isinstance(ssl_object, ssl.SSLObject):
        return None
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        return None
    return x509.load_der_x509_certificate(der).not_valid_after_utc


async def check(spec: u.HttpCheck, timeout: float) -> CheckResult:
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
            expires = _certificate_expiry(response)
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
