"""The recipient directory: the people and desks outside the organisation who can receive
alerts (a company's human-rights lead, an investor's stewardship team, an embassy officer…),
the groups they are gathered in, and whether they opted out.

The staff pages, the CSV import and the command line all go through these functions, so the
same rules (``directory_rules``) apply everywhere: a contact is reachable by at least one
channel (an e-mail address or an https webhook), speaks one of the languages Vigil writes
alerts in, and fills a known playbook role. An e-mail address is one recipient per
organisation, so a re-import updates instead of doubling a recipient. A contact who opted
out is left out of :func:`contacts_for` (what the alert engine asks) until a writer records
that they opted in again. Groups are in ``directory_groups``.

Every change is audited with ids, codes and field names only: never a name or an address.
A webhook's signing secret is sealed with the contact's own data key (``core.crypto``): it is
opened only to sign a delivery and to show it to writers (:func:`webhook_secret`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.contacts.models import Contact, ContactGroup, ContactGroupMember
from vigil.contacts.rules import (
    KIND_LABELS,
    ContactInput,
    clean_contact,
    clean_webhook_secret,
    kind_label,
    new_webhook_secret,
    one_line,
    resolve_company,
    role_label,
    text_block,
)
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict
from vigil.core.i18n import gettext

#: Re-exported: the form, the CSV import and the views use them from here.
__all__ = [
    "KIND_LABELS",
    "ContactInput",
    "ContactPage",
    "contact_input",
    "contacts_for",
    "create_contact",
    "find_by_email",
    "find_by_webhook",
    "get_contact",
    "kind_label",
    "one_line",
    "opt_in",
    "opt_out",
    "resolve_company",
    "role_label",
    "search_contacts",
    "text_block",
    "update_contact",
    "webhook_secret",
]

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class ContactPage:
    items: list[Contact]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _email_taken(session: Session, org_id: int, email: str | None, but: int | None) -> None:
    if email is None:
        return
    found = find_by_email(session, org_id=org_id, email=email)
    if found is not None and found.id != but:
        raise Conflict(gettext("A contact with this e-mail address is already in the directory."))


def find_by_email(session: Session, *, org_id: int, email: str) -> Contact | None:
    return session.scalar(
        select(Contact)
        .where(Contact.organisation_id == org_id, func.lower(Contact.email) == email.lower())
        .order_by(Contact.id)
        .limit(1)
    )


def find_by_webhook(session: Session, *, org_id: int, url: str, name: str) -> Contact | None:
    """The contact of that name (any case) reached by exactly that webhook address."""
    wanted = " ".join(name.split()).casefold()
    candidates = session.scalars(
        select(Contact)
        .where(Contact.organisation_id == org_id, Contact.webhook_url == url)
        .order_by(Contact.id)
    )
    return next((c for c in candidates if c.name.casefold() == wanted), None)


def _channels(contact: Contact) -> list[str]:
    return [
        c for c, address in (("email", contact.email), ("webhook", contact.webhook_url)) if address
    ]


# --- Contacts ---------------------------------------------------------------------------------


def webhook_secret(vault: Vault, contact: Contact) -> str | None:
    """The contact's Standard Webhooks secret in clear (None: the contact has no webhook)."""
    return vault.open(contact.data_key_id, contact.webhook_secret_sealed)


def _store_webhook_secret(vault: Vault, contact: Contact, secret: str | None) -> None:
    """Seal ``secret`` with the contact's data key (made on first use). Removing the secret
    destroys the key, so the old secret cannot be read back even from older backups once
    their KEK is retired."""
    if secret is None:
        if contact.data_key_id is not None:
            vault.destroy(contact.data_key_id)
        contact.data_key_id = contact.webhook_secret_sealed = None
        return
    if contact.data_key_id is None:
        contact.data_key_id = vault.new_key().id
    contact.webhook_secret_sealed = vault.seal(contact.data_key_id, secret)


def _wanted_secret(data: ContactInput, webhook_url: str | None, current: str | None) -> str | None:
    """The secret the contact should have after this change: none without a webhook, a new
    one when asked or when there was none, the one typed in, else the current one."""
    if not webhook_url:
        return None
    if data.new_webhook_secret or not (data.webhook_secret.strip() or current):
        return new_webhook_secret()
    if data.webhook_secret.strip():
        return clean_webhook_secret(data.webhook_secret)
    return current


def create_contact(
    session: Session, vault: Vault, *, org_id: int, data: ContactInput, actor_user_id: int | None
) -> Contact:
    values = clean_contact(session, data)
    _email_taken(session, org_id, values["email"], None)
    secret = _wanted_secret(data, values["webhook_url"], None)
    contact = Contact(organisation_id=org_id, **values)
    session.add(contact)
    _store_webhook_secret(vault, contact, secret)
    session.flush()
    record_event(
        session,
        action="contact.created",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="contact",
        object_id=contact.id,
        detail={"role": contact.role, "kind": contact.kind, "channels": _channels(contact)},
    )
    return contact


def update_contact(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    contact_id: int,
    data: ContactInput,
    actor_user_id: int | None,
) -> list[str]:
    """Apply ``data`` to the contact; returns the names of the fields that changed (empty:
    nothing changed, nothing audited)."""
    contact = get_contact(session, org_id=org_id, contact_id=contact_id)
    values = clean_contact(session, data)
    _email_taken(session, org_id, values["email"], contact.id)
    current = webhook_secret(vault, contact)
    secret = _wanted_secret(data, values["webhook_url"], current)
    changed = [k for k, v in values.items() if getattr(contact, k) != v]
    if secret != current:
        changed.append("webhook_secret")
        _store_webhook_secret(vault, contact, secret)
    if not changed:
        return []
    changed.sort()
    for key in changed:
        if key in values:
            setattr(contact, key, values[key])
    session.flush()
    record_event(
        session,
        action="contact.updated",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="contact",
        object_id=contact.id,
        detail={"fields": changed},
    )
    return changed


def contact_input(contact: Contact) -> ContactInput:
    """The form values of a stored contact (the secret stays where it is)."""
    return ContactInput(
        name=contact.name,
        role=contact.role,
        kind=contact.kind,
        title=contact.title,
        organisation_name=contact.organisation_name,
        company_id=contact.company_id,
        country=contact.country or "",
        language=contact.language,
        email=contact.email or "",
        webhook_url=contact.webhook_url or "",
        notes=contact.notes,
    )


def get_contact(session: Session, *, org_id: int, contact_id: int) -> Contact:
    return load_in_org(
        session, Contact, contact_id, org_id=org_id, missing=gettext("No such contact.")
    )


def search_contacts(
    session: Session,
    *,
    org_id: int,
    text: str = "",
    role: str | None = None,
    kind: str | None = None,
    country: str | None = None,
    company_id: int | None = None,
    group_id: int | None = None,
    opted_out: bool | None = None,
    page: int = 1,
    per_page: int = 25,
) -> ContactPage:
    """Contacts whose name, job title, organisation or e-mail contains ``text`` (any case),
    filtered by role, kind, country, company, group and opt-out state (None: either)."""
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PAGE_SIZE)
    conditions: list[Any] = [Contact.organisation_id == org_id]
    text = " ".join(text.split())[:200]
    if text:
        columns = (Contact.name, Contact.title, Contact.organisation_name, Contact.email)
        conditions.append(or_(*(c.icontains(text, autoescape=True) for c in columns)))
    for column, value in (
        (Contact.role, role),
        (Contact.kind, kind),
        (Contact.company_id, company_id),
    ):
        if value:
            conditions.append(column == value)
    if country:
        conditions.append(Contact.country == country.strip().upper())
    if group_id:
        members = select(ContactGroupMember.contact_id).where(
            ContactGroupMember.group_id == group_id
        )
        conditions.append(Contact.id.in_(members))
    if opted_out is not None:
        conditions.append(
            Contact.opted_out_at.is_not(None) if opted_out else Contact.opted_out_at.is_(None)
        )
    total = session.scalar(select(func.count()).select_from(Contact).where(*conditions)) or 0
    items = session.scalars(
        select(Contact)
        .where(*conditions)
        .order_by(func.lower(Contact.name), Contact.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return ContactPage(items=list(items), total=total, page=page, per_page=per_page)


def opt_out(
    session: Session,
    *,
    contact: Contact,
    reason: str,
    now: datetime,
    actor_user_id: int | None = None,
) -> bool:
    """Record that the contact wants no more alerts (an unsubscribe link, or a writer told so).
    Idempotent: returns False, and audits nothing, when they had already opted out."""
    if contact.opted_out_at is not None:
        return False
    contact.opted_out_at = now
    contact.opt_out_reason = " ".join(reason.split())[:200] or None
    contact.updated_at = now
    session.flush()
    record_event(
        session,
        action="contact.opted_out",
        organisation_id=contact.organisation_id,
        actor_user_id=actor_user_id,
        object_type="contact",
        object_id=contact.id,
    )
    return True


def opt_in(
    session: Session, *, contact: Contact, now: datetime, actor_user_id: int | None = None
) -> bool:
    """Undo an opt-out (the contact asked to receive alerts again). False if not opted out."""
    if contact.opted_out_at is None:
        return False
    contact.opted_out_at = None
    contact.opt_out_reason = None
    contact.updated_at = now
    session.flush()
    record_event(
        session,
        action="contact.opted_in",
        organisation_id=contact.organisation_id,
        actor_user_id=actor_user_id,
        object_type="contact",
        object_id=contact.id,
    )
    return True


# --- What the alert engine asks ---------------------------------------------------------------


def contacts_for(
    session: Session,
    *,
    org_id: int,
    role: str | None = None,
    company_ids: Collection[int] | None = None,
    kinds: Collection[str] | None = None,
    countries: Collection[str] | None = None,
    group_names: Collection[str] | None = None,
    include_opted_out: bool = False,
) -> list[Contact]:
    """The organisation's contacts matching every filter given (None: no filter on it; an
    empty collection matches nobody, so "the companies of an empty leverage map" selects no
    one rather than everyone). Group names match whatever their case; a contact in any of
    the named groups matches. Opted-out contacts are left out unless asked for."""
    conditions: list[Any] = [Contact.organisation_id == org_id]
    if role is not None:
        conditions.append(Contact.role == role)
    if company_ids is not None:
        conditions.append(Contact.company_id.in_(list(company_ids)))
    if kinds is not None:
        conditions.append(Contact.kind.in_(list(kinds)))
    if countries is not None:
        conditions.append(Contact.country.in_([c.strip().upper() for c in countries]))
    if group_names is not None:
        wanted = {" ".join(n.split()).casefold() for n in group_names}
        groups = session.scalars(select(ContactGroup).where(ContactGroup.organisation_id == org_id))
        ids = [g.id for g in groups if g.name.casefold() in wanted]
        members = select(ContactGroupMember.contact_id).where(ContactGroupMember.group_id.in_(ids))
        conditions.append(Contact.id.in_(members))
    if not include_opted_out:
        conditions.append(Contact.opted_out_at.is_(None))
    return list(
        session.scalars(
            select(Contact).where(*conditions).order_by(func.lower(Contact.name), Contact.id)
        )
    )
