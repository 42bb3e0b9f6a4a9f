"""Account notices by email (invitations, sign-up attempts on a taken address), through the SMTP
settings and sender the alert channels use (`alerts/channels/email.py`).

`send_notice` answers whether the mail went out; callers that have a fallback (showing an
invitation link to the inviter) use it when the answer is no. No SMTP configured is a no.
"""

from __future__ import annotations

import html
import logging
import secrets
from urllib.parse import urlsplit

from railguard.server.alerts.channels import DeliveryError
from railguard.server.alerts.channels import email as smtp
from railguard.server.settings import Settings

log = logging.getLogger(__name__)


async def send_notice(settings: Settings, *, recipient: str, subject: str, text: str) -> bool:
    """Mail `text` to `recipient`; False (logged) when SMTP is not configured or refuses."""
    if not settings.smtp_host:
        return False
    domain = urlsplit(settings.public_base).hostname or "railguard.local"
    body = "<br>".join(html.escape(line) for line in text.splitlines())
    msg = smtp.build_message(
        sender=settings.smtp_from, recipient=recipient, subject=subject, text=text,
        html=f"<p>{body}</p>", idempotency_key=f"notice-{secrets.token_hex(12)}", domain=domain,
    )  # fmt: skip
    try:
        await smtp.send(settings, msg)
    except DeliveryError as exc:
        log.warning("account notice to %s not sent: %s", recipient, exc)
        return False
    return True
