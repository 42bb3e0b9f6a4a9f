"""Real SDK-shaped envelopes: captured from the installed `sentry_sdk`, then templated.

A generated module raises through a chain of functions; the real Python SDK (its serializer,
context lines, local variables, contexts, envelope framing) captures it with a transport that
keeps the envelope. The innermost function, the exception class and its message carry the token
`KIND000000`, and the event id is the captured one; the load generator swaps both for fixed-width
values, so every envelope stays valid (item `length` unchanged) while errors stay distinct.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KIND_TOKEN = "KIND000000"
SMALL_MODULE = "benchapp.small"
LARGE_MODULE = "benchapp.large"


@dataclass(frozen=True)
class Template:
    envelope: bytes
    event_id: str
    payload: dict[str, Any]
    module_path: str  # repository-relative path of the crashing module

    def to_json(self) -> dict[str, Any]:
        return {
            "envelope": self.envelope.decode(),
            "event_id": self.event_id,
            "kind_token": KIND_TOKEN,
        }


def kind_value(kind: int) -> str:
    """A value as wide as KIND_TOKEN, so the envelope's item length stays right."""
    return f"K{kind:09d}"


def _small_source() -> str:
    return textwrap.dedent(
        f"""\
        class Bench{KIND_TOKEN}Error(Exception):
            pass


        def crash_{KIND_TOKEN}(order):
            raise Bench{KIND_TOKEN}Error("order " + str(order) + " failed ({KIND_TOKEN})")


        def handle(order):
            return crash_{KIND_TOKEN}(order)
        """
    )


def _large_source(depth: int) -> str:
    lines = [
        f"class Bench{KIND_TOKEN}Error(Exception):",
        "    pass",
        "",
        "",
        f"def crash_{KIND_TOKEN}(order, basket, customer):",
        "    # The innermost frame: the error every event of this kind reports.",
        "    total = sum(item['price'] * item['qty'] for item in basket)",
        "    note = 'customer ' + customer['name'] + ' could not pay ' + str(total)",
        f"    raise Bench{KIND_TOKEN}Error(note + ' ({KIND_TOKEN})')",
        "",
        "",
    ]
    for level in range(depth):
        callee = f"crash_{KIND_TOKEN}" if level == 0 else f"step_{level - 1:02d}"
        lines += [
            f"def step_{level:02d}(order, basket, customer):",
            f"    # Layer {level} of the request pipeline: validation, pricing, persistence.",
            f"    stage = 'stage-{level:02d}-' + order['id']",
            "    trail = [stage, order['id'], customer['email'], customer['address']]",
            "    headers = {'x-request-id': order['id'], 'x-stage': stage,",
            "               'x-user': customer['email']}",
            f"    attempt = {level} + len(trail) + len(headers)",
            f"    return {callee}(order, basket, customer)",
            "",
            "",
        ]
    lines += [
        "def handle(order_id):",
        "    order = {'id': order_id, 'channel': 'web', 'currency': 'EUR', 'coupon': None}",
        "    basket = [{'sku': 'SKU-%05d' % n, 'price': 12.5 + n, 'qty': 1 + n % 3,",
        "               'title': 'A product with a reasonably long title number %d' % n}",
        "              for n in range(10)]",
        "    customer = {'name': 'Ada Lovelace', 'email': 'ada@example.com',",
        "                'address': '12 Analytical Engine Street, London, United Kingdom',",
        "                'notes': 'x' * 400}",
        f"    return step_{depth - 1:02d}(order, basket, customer)",
        "",
    ]
    return "\n".join(lines)


_RUN = """\
import sentry_sdk


def run(module, arg):
    try:
        module.handle(arg)
    except Exception:
        sentry_sdk.capture_exception()
"""


def write_app(root: Path, large_depth: int = 15) -> None:
    """Write the `benchapp` package under `root` (also used as the editor's repository)."""
    pkg = root / "benchapp"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "small.py").write_text(_small_source())
    (pkg / "large.py").write_text(_large_source(large_depth))
    (pkg / "run.py").write_text(_RUN)


def capture(root: Path) -> tuple[Template, Template]:
    """(small, large) templates captured by the real SDK from the app under `root`."""
    import sentry_sdk
    from sentry_sdk.envelope import Envelope
    from sentry_sdk.transport import Transport

    captured: list[Envelope] = []

    class Keep(Transport):
        def capture_envelope(self, envelope: Envelope) -> None:
            captured.append(envelope)

    sys.path.insert(0, str(root))
    try:
        templates = []
        # Small events as an SDK sends them without local variables; large ones with them.
        for name, arg, with_vars in ((SMALL_MODULE, 99, False), (LARGE_MODULE, "ord-0001", True)):
            sentry_sdk.init(
                dsn="http://0123456789abcdef0123456789abcdef@127.0.0.1:9/1",
                transport=Keep,
                release="shop@2.4.1",
                environment="production",
                in_app_include=["benchapp"],
                include_local_variables=with_vars,
                default_integrations=False,
                auto_enabling_integrations=False,
                send_default_pii=False,
            )
            sentry_sdk.set_tag("tenant", "acme")
            sentry_sdk.set_user({"id": "42"})
            module = importlib.import_module(name)
            importlib.import_module("benchapp.run").run(module, arg)
            sentry_sdk.flush(5)
            envelope = captured.pop()
            event = envelope.get_event()
            assert event is not None
            body = envelope.serialize()
            module_path = name.replace(".", "/") + ".py"
            templates.append(Template(body, str(event["event_id"]), dict(event), module_path))
    finally:
        client = sentry_sdk.get_client()
        client.close()
        sys.path.remove(str(root))
        for name in (SMALL_MODULE, LARGE_MODULE, "benchapp.run", "benchapp"):
            sys.modules.pop(name, None)
    small, large = templates
    return small, large


def render(template: dict[str, Any], kind: int, event_id: str) -> bytes:
    """One envelope from a template: its kind token and event id replaced (same widths)."""
    text: str = template["envelope"]
    text = text.replace(template["kind_token"], kind_value(kind))
    text = text.replace(template["event_id"], event_id)
    return text.encode()


def render_new_type(template: dict[str, Any], kind: int, event_id: str) -> bytes:
    """Like `render`, but only the exception *type* changes: the frames still quote the file as
    it is in the repository (so an editor can place it), while the error groups apart."""
    token = template["kind_token"]
    text: str = template["envelope"]
    text = text.replace(f'"type":"Bench{token}Error"', f'"type":"Bench{kind_value(kind)}Error"')
    text = text.replace(template["event_id"], event_id)
    return text.encode()
