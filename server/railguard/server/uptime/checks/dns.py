"""DNS check (dnspython): the query must be answered, and with the expected value if any."""

from __future__ import annotations

import time

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver

from railguard.server.uptime.checks.result import CheckResult, failed
from railguard.wire import uptime as u


def _text(value: str) -> str:
    """An answer as compared: lower case, no trailing dot, TXT without its quotes."""
    return value.strip().strip('"').rstrip(".").lower()


async def check(spec: u.DnsCheck, timeout: float) -> CheckResult:
    if spec.nameserver:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [spec.nameserver]
        resolver.port = spec.port
    else:
        resolver = dns.asyncresolver.Resolver()
    resolver.lifetime = timeout
    resolver.timeout = timeout
    started = time.perf_counter()
    try:
        answer = await resolver.resolve(spec.name, spec.record_type, raise_on_no_answer=True)
    except dns.resolver.NXDOMAIN:
        return failed(f"{spec.name}: no such domain", _ms(started))
    except dns.resolver.NoAnswer:
        return failed(f"{spec.name}: no {spec.record_type} record", _ms(started))
    except dns.resolver.NoNameservers as exc:
        return failed(f"{spec.name}: no server answered ({exc})", _ms(started))
    except dns.exception.Timeout:
        return failed(f"{spec.name}: the query timed out", _ms(started))
    except dns.exception.DNSException as exc:
        return failed(f"{spec.name}: {exc}", _ms(started))
    elapsed = _ms(started)
    values = [_text(rdata.to_text()) for rdata in answer]
    if spec.expected is not None and _text(spec.expected) not in values:
        # MX answers read "10 mail.example.com": the exchange alone matches too.
        tails = [v.split(" ", 1)[-1] for v in values]
        if _text(spec.expected) not in tails:
            return failed(f"{spec.name} {spec.record_type} is {values}, not {spec.expected}",
                          elapsed)  # fmt: skip
    return CheckResult(True, elapsed)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
