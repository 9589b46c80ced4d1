"""What statements and dialogue reports share: public addresses (slugs), the roles that may
publish, the length limits, and the e-mail that carries a signed link to a directory contact.

Why the e-mail goes through the outbox: an invitation is written in the same transaction as
the decision to send it and is sent (and retried) by the worker, like an alert. It is written
in the contact's language, sealed with the statement's or space's own data key, and names the
organisation that sends it; nothing in it is about a defender."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import Actor, Role
from vigil.contacts.models import Contact
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.errors import Forbidden, Invalid
from vigil.core.i18n import LOCALES, N_, catalogue, gettext
from vigil.links.service import issue_link, link_url, resolve_link
from vigil.organisations.models import Organisation
from vigil.outbox.service import queue_delivery

MAX_TITLE = 300
MAX_BODY = 20_000
MAX_NAME = 200
MAX_REPORT = 10_000
#: Roles that put words on the public register in the organisation's name.
PUBLISHER_ROLES = (Role.coordinator,)


def may_publish(actor: Actor) -> bool:
    return actor.role in PUBLISHER_ROLES


def require_publisher(actor: Actor) -> None:
    """Publishing, withdrawing and opening a period speak for the organisation: coordinators
    only (analysts draft)."""
    if not may_publish(actor):
        raise Forbidden(gettext(N_("Only coordinators can publish or withdraw.")))


def one_line(value: str, limit: int, error: str, *, required: bool = False) -> str:
    """One line of text, spaces folded; ``error`` (an ``N_`` message, translated by the page
    that shows it) when it is missing but required, or longer than ``limit``."""
    text = " ".join((value or "").split())
    if (required and not text) or len(text) > limit:
        raise Invalid(error)
    return text


def text_block(value: str, limit: int, error: str, *, required: bool = False) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if (required and not text) or len(text) > limit:
        raise Invalid(error)
    return text


def new_slug(session: Session, model: Any, title: str) -> str:
    """A readable, unique public address from the title (ASCII, so it survives any mailer)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "item"
    slug = base
    while session.scalar(select(model.id).where(model.slug == slug)) is not None:
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


class _NoTimeline:
    """These deliveries belong to no alert: there is no alert timeline to tell."""

    def record(self, session: Session, events: Collection[Mapping[str, Any]]) -> None:
        return None

    def stopped(self, session: Session, alert_ids: Collection[int]) -> set[int]:
        return set()


NO_TIMELINE = _NoTimeline()


def contact_language(contact: Contact) -> str:
    return contact.language if contact.language in LOCALES else "en"


def mail_link(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    contact: Contact,
    data_key_id: int,
    purpose: str,
    subject: str,
    paragraphs: list[str],
    now: datetime,
) -> int | None:
    """Issue a signed link for ``contact`` and queue the e-mail carrying it; returns the link's
    id, or None when the contact has no e-mail address or opted out (nothing is sent).

    ``subject`` and ``paragraphs`` are English msgids (marked with ``N_``), translated here
    into the contact's language; ``%(organisation)s`` in them is the sending organisation."""
    if not contact.email or contact.opted_out_at is not None:
        return None
    token = issue_link(
        session,
        settings,
        organisation_id=contact.organisation_id,
        purpose=purpose,
        contact_id=contact.id,
        now=now,
    )
    language = contact_language(contact)
    words = catalogue(language)
    organisation = session.get(Organisation, contact.organisation_id)
    values = {"organisation": organisation.name if organisation else ""}
    url = link_url(settings, token)
    text = "\n\n".join([*(words.gettext(p) % values for p in paragraphs), url])
    queue_delivery(
        session,
        vault,
        organisation_id=contact.organisation_id,
        data_key_id=data_key_id,
        alert_id=None,
        contact_id=contact.id,
        tier=None,
        purpose=purpose,
        channel="email",
        address=contact.email,
        language=language,
        urgency=3,
        content={"subject": words.gettext(subject) % values, "text": text},
        timeline=NO_TIMELINE,
    )
    return resolve_link(session, settings, token, now=now).id
