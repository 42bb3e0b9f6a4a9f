"""Email over SMTP (aiosmtplib): implicit TLS, STARTTLS or plain, with optional AUTH.

The message has a text and an HTML part; its Message-ID is built from the alert's idempotency
key, so a retry after a crash carries the same Message-ID and mail systems can recognise it.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate
from functools import cache

import aiosmtplib

from railguard.server.alerts.channels import DeliveryError
from railguard.server.settings import Settings


def message_id(idempotency_key: str, domain: str) -> str:
    return f"<{idempotency_key}@{domain}>"


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    idempotency_key: str,
    domain: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(idempotency_key, domain)
    msg["X-Railguard-Idempotency-Key"] = idempotency_key
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


@cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)


async def send(settings: Settings, msg: EmailMessage) -> None:
    """Hand the message to the configured SMTP server; DeliveryError on any refusal."""
    if not settings.smtp_host:
        raise DeliveryError("SMTP is not configured (set RAILGUARD_SMTP_HOST)")
    mode = settings.smtp_security
    context = _tls_context(settings.smtp_ca_file) if mode != "none" else None
    try:
        await aiosmtplib.send(
            msg,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=mode == "tls",
            start_tls=True if mode == "starttls" else False,
            tls_context=context,
            timeout=settings.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP: {exc}"[:500]) from exc
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        raise DeliveryError(f"SMTP connection: {str(exc) or type(exc).__name__}"[:500]) from exc
