"""Sending email: through an SMTP server when one is configured, otherwise into an outbox
folder (one ``.eml`` file per message, mode 0600), like Django's file backend.

The SMTP conversation (stdlib ``smtplib``, STARTTLS and login when configured) runs in a
thread with a timeout, so a slow mail server never stalls the event loop; a failure is
``ServiceUnavailable`` with the reason, never a silent drop.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from crm_core.errors import ServiceUnavailable


@dataclass(frozen=True, slots=True)
class MailConfig:
    """Where mail goes: ``smtp_host`` set -> that server; else files in ``outbox``."""

    sender: str = "kefu <no-reply@localhost>"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    timeout: float = 10.0
    outbox: Path | None = None


def build_message(config: MailConfig, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with the headers a mail server expects."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config.sender, to, subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="kefu.local")
    message.set_content(body)
    return message


def _send_smtp(config: MailConfig, message: EmailMessage) -> None:
    assert config.smtp_host is not None
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout) as smtp:
        smtp.ehlo()
        if config.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.smtp_username:
            smtp.login(config.smtp_username, config.smtp_password or "")
        smtp.send_message(message)


def _write_outbox(outbox: Path, message: EmailMessage) -> Path:
    outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(bytes(message))
    return path


async def send_mail(config: MailConfig, to: str, subject: str, body: str) -> None:
    """Send one message; ``ServiceUnavailable`` when it could not be handed over."""
    message = build_message(config, to, subject, body)
    try:
        if config.smtp_host:
            await asyncio.wait_for(asyncio.to_thread(_send_smtp, config, message),
                                   config.timeout + 1)
        elif config.outbox is not None:
            await asyncio.to_thread(_write_outbox, config.outbox, message)
        else:
            raise ServiceUnavailable("No mail server is configured (KEFU_EMAIL_SMTP_HOST).")
    except (OSError, smtplib.SMTPException, TimeoutError) as exc:
        raise ServiceUnavailable("The email could not be sent.",
                                 details={"reason": type(exc).__name__}) from exc
