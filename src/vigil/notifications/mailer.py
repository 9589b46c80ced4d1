"""Sending one message over SMTP (the only channel today; webhooks come with alerts)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from vigil.core.config import Settings


def send_email(settings: Settings, *, to_address: str, subject: str, body: str) -> None:
    """Raises OSError/smtplib.SMTPException on failure; the caller records the outcome."""
    if not settings.smtp_host:
        raise smtplib.SMTPException("VIGIL_SMTP_HOST is not set")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to_address
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(message)
