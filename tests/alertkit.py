"""Real receivers for the alert tests: an SMTP server (aiosmtpd on loopback, optionally with
STARTTLS and AUTH, with a self-signed certificate made here) and an HTTP webhook receiver that
checks the HMAC signature of every request. Both can be told to refuse the next N deliveries."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import re
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from certkit import self_signed
from railguard.server.settings import Settings
from support import free_port

#: Bound of every wait in the alert tests: generous, because the suite runs on loaded machines;
#: a passing wait returns as soon as its condition holds.
WAIT = 60.0


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A CA certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    cert, key, _ = self_signed(folder, days_valid=1, prefix="smtp-", ca=True)
    return cert, key


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: bool
    login: str | None

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def key(self) -> str:
        return str(self.message["X-Railguard-Idempotency-Key"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        with self.sink.lock:
            if self.sink.refuse > 0:
                self.sink.refuse -= 1
                self.sink.refused += 1
                return "451 4.3.0 Try again later"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            auth = session.auth_data
            login = auth.decode() if isinstance(auth, bytes) else None
            self.sink.mails.append(
                Mail(envelope.mail_from, list(envelope.rcpt_tos), msg,
                     session.ssl is not None, login)
            )  # fmt: skip
        return "250 2.0.0 Message accepted"


@dataclass
class SmtpSink:
    """aiosmtpd on 127.0.0.1; `tls_cert` turns on STARTTLS (required), `password` AUTH."""

    tls_cert: tuple[Path, Path] | None = None
    username: str | None = None
    password: str | None = None
    port: int = field(default_factory=free_port)
    mails: list[Mail] = field(default_factory=list)
    refuse: int = 0
    refused: int = 0
    delay: float = 0.0  # seconds before answering each message
    lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)

    def start(self) -> SmtpSink:
        kwargs: dict[str, Any] = {}
        if self.tls_cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls_cert)
            kwargs.update(tls_context=context, require_starttls=True)
        if self.password is not None:
            kwargs.update(authenticator=self._auth, auth_required=True,
                          auth_require_tls=self.tls_cert is not None)  # fmt: skip
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10, **kwargs
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def take_invitation(self, recipient: str) -> str:
        """The invitation link mailed to `recipient`; the mail leaves the sink (tests count the
        alert mails that follow)."""
        with self.lock:
            for mail in self.mails:
                body = mail.message.get_body(("plain",))
                text = body.get_content() if body is not None else ""
                found = re.search(r"https?://\S+/invitations/rgi_\S+", text)
                if recipient in mail.recipients and found:
                    self.mails.remove(mail)
                    return found.group(0)
        raise AssertionError(f"no invitation mailed to {recipient}")

    def snapshot(self) -> list[Mail]:
        with self.lock:
            return list(self.mails)


def verify_signature(secret: str, headers: Any, body: bytes) -> bool:
    timestamp = headers.get("X-Railguard-Timestamp", "")
    given = headers.get("X-Railguard-Signature", "")
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return bool(timestamp) and hmac.compare_digest(given, "v1=" + mac.hexdigest())


@dataclass
class Hook:
    path: str
    key: str
    body: dict[str, Any]
    signed: bool
    status: int


class WebhookReceiver:
    """aiohttp on 127.0.0.1: POST /<anything>; records each request and whether its signature
    verified with `secret`; answers `fail_status` (500) to the next `fail` requests and 401 to
    a bad signature."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret
        self.hooks: list[Hook] = []
        self.fail = 0
        self.fail_status = 500
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._receive)
        self.server = TestServer(app, host="127.0.0.1", port=free_port())

    async def _receive(self, request: web.Request) -> web.Response:
        raw = await request.read()
        signed = self.secret is not None and verify_signature(self.secret, request.headers, raw)
        status = 200
        if self.secret is not None and not signed:
            status = 401
        elif self.fail > 0:
            self.fail -= 1
            status = self.fail_status
        key = request.headers.get("X-Railguard-Idempotency-Key", "")
        self.hooks.append(Hook(request.path, key, orjson.loads(raw), signed, status))
        return web.Response(status=status, text="ok" if status == 200 else "nope")

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def delivered(self) -> list[Hook]:
        return [h for h in self.hooks if h.status == 200]

    async def __aenter__(self) -> WebhookReceiver:
        await self.server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.close()


def alert_settings(database_url: str, sink: SmtpSink, **extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "public_url": "http://127.0.0.1:8000",
        "argon2_memory_kib": 1024,
        "argon2_time_cost": 1,
        "writer_batch_wait_ms": 2,
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_security": "none",
        "smtp_timeout_seconds": 5,
        "alert_poll_seconds": 0.1,
        "alert_retry_base_seconds": 0.1,
        "alert_retry_cap_seconds": 0.5,
        "alert_burst_hold_seconds": 1.0,
        "alert_evaluate_seconds": 0.2,
        **extra,
    }
    return Settings(**values)  # type: ignore[arg-type]
