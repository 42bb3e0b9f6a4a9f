"""Each check kind against a real local target: healthy, failing, slow, gone."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import dns.rdatatype
import pytest

from certkit import self_signed
from railguard.server.uptime.checks import run_check
from railguard.server.uptime.checks.ping import ping_problem
from railguard.wire import uptime as u
from uptimekit import DnsTarget, HttpTarget, TcpTarget


@pytest.fixture
async def target() -> AsyncIterator[HttpTarget]:
    server = await HttpTarget().start()
    yield server
    await server.stop()


async def test_http_status_range_body_and_modes(target: HttpTarget) -> None:
    spec = u.HttpCheck(url=target.url, body_contains="healthy")
    result = await run_check(spec, 2)
    assert result.ok and result.error is None and result.latency_ms is not None
    assert result.cert_expires_at is None
    assert not (await run_check(u.HttpCheck(url=target.url, body_contains="nope"), 2)).ok

    target.mode = "error"
    result = await run_check(spec, 2)
    assert not result.ok and result.error == "status 500, expected 200-399"
    assert (await run_check(u.HttpCheck(url=target.url, status_min=500, status_max=599), 2)).ok

    target.mode = "slow"
    result = await run_check(spec, 0.5)
    assert not result.ok and result.error is not None and "timed out" in result.error.lower()

    target.mode = "drop"
    result = await run_check(spec, 2)
    assert not result.ok and result.error

    await target.stop()
    result = await run_check(spec, 2)
    assert not result.ok and result.error and "connect" in result.error.lower()


async def test_http_redirect_policy(target: HttpTarget) -> None:
    target.mode = "redirect"
    followed = await run_check(u.HttpCheck(url=target.url, body_contains="moved here"), 2)
    assert followed.ok
    judged = await run_check(u.HttpCheck(url=target.url, follow_redirects=False, status_max=299), 2)
    assert not judged.ok and judged.error == "status 302, expected 200-299"


async def test_http_method(target: HttpTarget) -> None:
    assert (await run_check(u.HttpCheck(url=target.url, method="HEAD"), 2)).ok


async def test_tls_certificate_expiry_is_read_and_trust_is_checked(tmp_path: Path) -> None:
    cert, key, expires = self_signed(tmp_path, days_valid=3)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await HttpTarget(tls=context).start()
    try:
        trusted = await run_check(u.HttpCheck(url=server.url, verify_tls=False), 2)
        assert trusted.ok and trusted.cert_expires_at == expires
        strict = await run_check(u.HttpCheck(url=server.url), 2)
        assert not strict.ok and strict.error and "certificate" in strict.error.lower()
    finally:
        await server.stop()


async def test_tcp_connect_and_refused() -> None:
    listener = await TcpTarget().start()
    spec = u.TcpCheck(host="127.0.0.1", port=listener.port)
    assert (await run_check(spec, 2)).ok
    await listener.stop()
    result = await run_check(spec, 2)
    assert not result.ok and result.error and str(listener.port) in result.error


async def test_dns_answer_mismatch_failure_and_silence() -> None:
    server = await DnsTarget(
        {"app.test.": {dns.rdatatype.A: ["10.1.2.3"], dns.rdatatype.TXT: ['"v=ok"']}}
    ).start()
    try:

        def spec(**kw: object) -> u.DnsCheck:
            return u.DnsCheck.model_validate(
                {"name": "app.test", "nameserver": "127.0.0.1", "port": server.port, **kw}
            )

        assert (await run_check(spec(expected="10.1.2.3"), 2)).ok
        assert (await run_check(spec(record_type="TXT", expected="v=ok"), 2)).ok
        wrong = await run_check(spec(expected="10.9.9.9"), 2)
        assert not wrong.ok and wrong.error and "10.1.2.3" in wrong.error
        missing = await run_check(spec(record_type="AAAA"), 2)
        assert not missing.ok and missing.error and "no AAAA record" in missing.error
        nx = await run_check(spec(name="other.test"), 2)
        assert not nx.ok and nx.error and "no such domain" in nx.error
        server.mode = "fail"
        failed = await run_check(spec(expected="10.1.2.3"), 2)
        assert not failed.ok and failed.error
        server.mode = "silent"
        silent = await run_check(spec(expected="10.1.2.3"), 0.5)
        assert not silent.ok and silent.error
    finally:
        await server.stop()


async def test_ping_loopback_or_a_clear_reason() -> None:
    problem = ping_problem()
    result = await run_check(u.PingCheck(host="127.0.0.1"), 2)
    if problem is None:
        assert result.ok, result.error
    else:
        assert not result.ok and "ping_group_range" in problem


def test_the_check_models_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        u.HttpCheck(url="ftp://example.com/")
    with pytest.raises(ValueError):
        u.HttpCheck(url="http://x/", status_min=500, status_max=200)
    with pytest.raises(ValueError):
        u.DnsCheck(name="x.test", nameserver="not-an-ip")
    with pytest.raises(ValueError):
        u.MonitorCreateRequest(name="m", check=u.TcpCheck(host="h", port=1),
                               interval_seconds=5, timeout_seconds=6)  # fmt: skip
    assert u.MonitorCreateRequest(name="m", check=u.TcpCheck(host="h", port=1),
                                  interval_seconds=3).timeout_seconds == 3  # fmt: skip
