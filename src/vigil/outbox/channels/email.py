"""Alert e-mail: multipart plain text + HTML in the recipient's language, DKIM-signed when a
key is configured, with RFC 8058 one-click unsubscribe, sent over one SMTP connection per
batch (``VIGIL_SMTP_URL``). Staff e-mail goes out through this channel too.

The Message-ID is derived from the delivery's idempotency key, so a message re-sent after a
worker crash is recognisably the same message (mail clients and archives drop the twin).
"""

from __future__ import annotations

import binascii
import html
import re
import secrets
import smtplib
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path

import dkim
from email_validator import EmailNotValidError, validate_email

from vigil.core.config import Settings
from vigil.outbox.channels import DeliveryFailed, Outgoing
from vigil.outbox.mailer import SmtpNotConfigured, envelope_sender, open_smtp, sender_domain

_SAFE = re.compile(r"[^A-Za-z0-9-]")
_SAFE_ID = re.compile(r"[^A-Za-z0-9._+-]")
_UNSAFE_URL = re.compile(r"[\s<>\"]")
#: RFC 5321 dot-atom local part (≤ 64) @ LDH domain labels with an alphabetic TLD.
_PLAIN_ADDRESS = re.compile(
    r"(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
#: Signed headers (RFC 8058 §3: List-Unsubscribe and List-Unsubscribe-Post must be covered).
SIGNED_HEADERS = (
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Language",
    "Auto-Submitted",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


class DkimSigner:
    """RSA (a PEM file, PKCS#1 or PKCS#8) or Ed25519 (dkimpy's base64 seed) key."""

    def __init__(self, key_file: Path, selector: str, domain: str) -> None:
        self.key = key_file.read_bytes().strip()
        self.selector = selector.encode()
        self.domain = domain.encode()
        self.algorithm = b"rsa-sha256" if self.key.startswith(b"-----") else b"ed25519-sha256"

    def sign(self, message: bytes, headers: list[bytes]) -> bytes:
        return dkim.sign(
            message,
            self.selector,
            self.domain,
            self.key,
            signature_algorithm=self.algorithm,
            include_headers=headers,
        )


def plain_to_html(text: str, language: str) -> str:
    """An HTML part for a message written as text only: escaped, paragraphs kept."""
    paragraphs = "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>"
        for block in text.split("\n\n")
        if block.strip()
    )
    return (
        f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        f"</head><body>{paragraphs}</body></html>"
    )


@lru_cache(maxsize=512)  # a fan-out repeats one subject thousands of times
def _header_text(value: str, name: str) -> str:
    """One header value on one logical line (no CR/LF can smuggle a header in), RFC 2047
    encoded when not ASCII, folded at 78 columns."""
    value = " ".join(value.split())
    charset = "us-ascii" if value.isascii() else "utf-8"
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


def _quoted_printable(text: str) -> bytes:
    data = binascii.b2a_qp(text.replace("\r\n", "\n").encode(), istext=True)
    return data.replace(b"\n", b"\r\n")


def render_message(
    *, sender: str, domain: str, outgoing: Outgoing, now: datetime
) -> tuple[bytes, list[str]]:
    """The message as sent (CRLF line ends) and the names of its headers.

    Written out directly rather than with ``email.message.EmailMessage``, whose header
    machinery costs ten times more per message: on a 10,000-recipient fan-out that was the
    worker's main cost. The structure is fixed and simple: multipart/alternative with a
    quoted-printable UTF-8 text part and HTML part; the boundary starts with "=_", which
    quoted-printable content can never contain."""
    content = outgoing.content
    text = content.get("text") or ""
    language = _SAFE.sub("", outgoing.language)[:35] or "en"
    key = _SAFE_ID.sub("-", outgoing.idempotency_key)
    boundary = "=_vigil_" + secrets.token_hex(12)
    headers = [
        ("From", sender),
        ("To", outgoing.address),
        ("Subject", _header_text(content.get("subject") or "", "Subject")),
        ("Date", format_datetime(now)),
        ("Message-ID", f"<{key}@{domain}>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ("Content-Language", language),
        ("Auto-Submitted", "auto-generated"),  # RFC 3834: no out-of-office replies
    ]
    reply_to = content.get("reply_to") or ""
    if reply_to and len(reply_to) <= 254 and _PLAIN_ADDRESS.fullmatch(reply_to):
        headers.insert(1, ("Reply-To", reply_to))  # the organisation's: replies reach people
    unsubscribe = content.get("unsubscribe_url") or ""
    if unsubscribe.startswith(("https://", "http://")) and not _UNSAFE_URL.search(unsubscribe):
        headers.append(("List-Unsubscribe", f"<{unsubscribe}>"))
        headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    parts = [
        (
            f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        + _quoted_printable(body)
        + b"\r\n"
        for subtype, body in (
            ("plain", text),
            ("html", content.get("html") or plain_to_html(text, language)),
        )
    ]
    data = head.encode() + b"\r\n" + b"".join(parts) + f"--{boundary}--\r\n".encode()
    return data, [name for name, _value in headers]


def checked_address(address: str) -> str:
    """The address to give the SMTP server, or a permanent failure. Plain ASCII addresses
    (nearly all) are checked by one strict pattern; anything else by email-validator."""
    if len(address) <= 254 and _PLAIN_ADDRESS.fullmatch(address):
        return address
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise DeliveryFailed(f"invalid address: {error}", permanent=True) from None
    return valid.ascii_email or valid.normalized


def _smtp_failure(error: Exception) -> DeliveryFailed:
    """5xx about this recipient or message → permanent; everything else may pass later."""
    if isinstance(error, SmtpNotConfigured):
        return DeliveryFailed(f"e-mail is not configured: {error}", counts=False)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return DeliveryFailed(f"recipient refused: {code} {_text(reply)}", permanent=code >= 500)
    if isinstance(error, smtplib.SMTPSenderRefused):  # our configuration, not the recipient
        return DeliveryFailed(f"sender refused: {error.smtp_code} {_text(error.smtp_error)}")
    if isinstance(error, smtplib.SMTPResponseException):
        permanent = isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500
        return DeliveryFailed(
            f"SMTP {error.smtp_code} {_text(error.smtp_error)}", permanent=permanent
        )
    if isinstance(error, TimeoutError):
        return DeliveryFailed("SMTP server timed out")
    return DeliveryFailed(f"SMTP: {type(error).__name__}: {error}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class EmailChannel:
    """One SMTP connection for a batch. If connecting fails, the rest of the batch fails
    at once with the same reason instead of trying (and timing out) once per message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.envelope_from = envelope_sender(settings)
        name, address = parseaddr(settings.smtp_from)
        self.sender = formataddr((" ".join(name.split()), address or settings.smtp_from))
        self.domain = sender_domain(settings)
        self._smtp: smtplib.SMTP | None = None
        self._down: DeliveryFailed | None = None
        self._signer: DkimSigner | None = None
        if settings.dkim_private_key_file is not None:
            try:
                self._signer = DkimSigner(
                    settings.dkim_private_key_file,
                    settings.dkim_selector,
                    settings.dkim_domain or sender_domain(settings),
                )
            except OSError as error:  # never send unsigned when signing was asked for
                self._down = DeliveryFailed(
                    f"DKIM key file unreadable: {error.strerror}", counts=False
                )

    def render(self, outgoing: Outgoing, *, now: datetime) -> bytes:
        """The exact bytes sent: CRLF line ends, DKIM-Signature first when signing."""
        data, names = render_message(
            sender=self.sender, domain=self.domain, outgoing=outgoing, now=now
        )
        if self._signer is not None:
            present = {name.lower() for name in names}
            headers = [h.lower().encode() for h in SIGNED_HEADERS if h.lower() in present]
            data = self._signer.sign(data, headers) + data
        return data

    def _connection(self) -> smtplib.SMTP:
        if self._down is not None:
            raise self._down
        if self._smtp is None:
            try:
                self._smtp = open_smtp(self.settings)
            except (OSError, smtplib.SMTPException) as error:
                self._down = _smtp_failure(error)
                raise self._down from None
        return self._smtp

    def send(self, outgoing: Outgoing, *, now: datetime) -> None:
        address = checked_address(outgoing.address)
        options = () if address.isascii() else ("SMTPUTF8",)  # RFC 6531 mailbox names
        data = self.render(outgoing, now=now)
        smtp = self._connection()
        try:
            smtp.sendmail(self.envelope_from, [address], data, mail_options=options)
        except smtplib.SMTPServerDisconnected:
            # The server may close an idle or long-used connection: try once on a new one.
            self.close()
            try:
                self._connection().sendmail(
                    self.envelope_from, [address], data, mail_options=options
                )
            except (OSError, smtplib.SMTPException) as error:
                self.close()
                raise _smtp_failure(error) from None
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
            raise _smtp_failure(error) from None  # the connection stays usable (RSET sent)
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise _smtp_failure(error) from None

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
