"""Sending over SMTP: one place reads ``VIGIL_SMTP_URL`` and opens a connection for the
e-mail channel (``vigil.outbox.channels.email``), which sends alert deliveries and staff
e-mail alike, so both use the same server, TLS and login."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from vigil.core.config import Settings

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE = {"1", "true", "yes", "on"}


class SmtpNotConfigured(smtplib.SMTPException):
    """``VIGIL_SMTP_URL`` is unset: messages stay queued until it is."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool  # smtps://: TLS from the first byte
    starttls: bool  # smtp://…?starttls=true: upgrade, and refuse to go on in clear
    username: str | None
    password: str | None
    timeout: float


def smtp_target(settings: Settings) -> SmtpTarget | None:
    """Parse ``smtp[s]://[user[:password]@]host[:port][?starttls=true&timeout=30]``
    (percent-encode ``@`` or ``:`` inside the user name or password)."""
    if settings.smtp_url is None:
        return None
    url = urlsplit(settings.smtp_url.get_secret_value())
    query = parse_qs(url.query)
    try:
        port = url.port or DEFAULT_PORTS[url.scheme]
        timeout = float(query.get("timeout", ["30"])[0])
    except (KeyError, ValueError) as error:
        raise SmtpNotConfigured(f"VIGIL_SMTP_URL is not valid ({type(error).__name__})") from None
    if not url.hostname:
        raise SmtpNotConfigured("VIGIL_SMTP_URL has no host")
    return SmtpTarget(
        host=url.hostname,
        port=port,
        implicit_tls=url.scheme == "smtps",
        starttls=query.get("starttls", ["false"])[0].lower() in TRUE,
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        timeout=timeout,
    )


def envelope_sender(settings: Settings) -> str:
    """The bare address of ``VIGIL_SMTP_FROM`` (which may be ``Name <address>``)."""
    return parseaddr(settings.smtp_from)[1] or settings.smtp_from


def sender_domain(settings: Settings) -> str:
    return envelope_sender(settings).rpartition("@")[2] or "localhost"


def open_smtp(settings: Settings) -> smtplib.SMTP:
    """A connected (and, if asked, TLS-protected and logged-in) SMTP client. Raises
    SmtpNotConfigured, OSError or smtplib.SMTPException; with ``starttls=true`` a server that
    does not offer STARTTLS is refused (SMTPNotSupportedError) rather than used in clear."""
    target = smtp_target(settings)
    if target is None:
        raise SmtpNotConfigured("VIGIL_SMTP_URL is not set")
    # Only when TLS is used: loading the system's certificates costs tens of milliseconds.
    context = ssl.create_default_context() if target.implicit_tls or target.starttls else None
    smtp: smtplib.SMTP
    if target.implicit_tls:
        smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout, context=context)
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
    try:
        if target.starttls:
            smtp.starttls(context=context)
        if target.username:
            smtp.login(target.username, target.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp
