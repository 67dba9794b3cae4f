"""E-mail through the SMTP relay the settings name (smtplib, off the event loop)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .settings import Settings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class NoRelay(Exception):  # noqa: N818 - a state, not a failure: no SMTP relay is configured
    pass


def _send(settings: Settings, mail: Mail) -> str:
    if not settings.smtp_host:
        raise NoRelay("no SMTP relay is configured (SMARTCITY_SMTP_HOST)")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, mail.to, mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rsplit("@", 1)[-1])
    message.set_content(mail.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)
    return str(message["Message-ID"])


async def send(settings: Settings, mail: Mail) -> str:
    """Sends one message; its Message-ID. NoRelay without a relay; smtplib's and OSError's errors as they come."""
    return await asyncio.to_thread(_send, settings, mail)
