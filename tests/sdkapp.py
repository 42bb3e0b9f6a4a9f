"""A small app reporting through the real `sentry_sdk`: a few distinct errors, each raised by
its own function (so each is its own incident), for one or more users."""

from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

APP = textwrap.dedent(
    """\
    import sys

    import sentry_sdk


    def load_invoice(invoices, number):
        return invoices["invoice %d" % number]


    def load_invoice_lines(invoices, number):
        return invoices["invoice %d lines" % number]


    def average(values):
        return sum(values) / len(values)


    def connect(host):
        raise ConnectionRefusedError("[Errno 111] Connection refused to %s" % host)


    CALLS = {
        "invoice": lambda n: load_invoice({}, n),
        "lines": lambda n: load_invoice_lines({}, n),
        "average": lambda n: average([]),
        "connect": lambda n: connect("db-%d.internal" % n),
    }

    sentry_sdk.init(dsn=sys.argv[1], environment="production")
    for spec in sys.argv[2:]:
        name, user = spec.split(":")
        sentry_sdk.set_user({"id": user})
        try:
            CALLS[name](4071)
        except Exception:
            sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=10)
    """
)


async def report(tmp: Path, dsn: str, *specs: str) -> None:
    """Run the app once; each spec `error:user` raises and reports that error as that user."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "shopapp.py").write_text(APP)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "shopapp.py", dsn, *specs, cwd=tmp,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
