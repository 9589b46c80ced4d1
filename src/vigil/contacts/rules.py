"""The rules a contact of the recipient directory must follow, shared by the staff form, the
CSV import and ``directory.create_contact`` / ``update_contact``: a name, a known playbook
role and kind, a language Vigil writes alerts in (en, es, fr, pt), an ISO country code, and
at least one channel — an e-mail address (checked and normalised, not looked up) or an https
webhook (plain http only to this machine, for a local receiver) signed with a Standard
Webhooks secret ("whsec_" and base64 of random bytes)."""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.models import Company
from vigil.contacts.models import ContactKind
from vigil.contacts.roles import CONTACT_ROLES, is_contact_role
from vigil.core.errors import Invalid
from vigil.core.i18n import LOCALES, N_, gettext
from vigil.core.places import country_codes

#: Hosts a plain-http webhook may point at (a receiver on the same machine, e.g. in tests).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

KIND_LABELS: dict[str, str] = {
    ContactKind.company: N_("Company"),
    ContactKind.investor: N_("Investor"),
    ContactKind.buyer: N_("Buyer"),
    ContactKind.lender: N_("Lender"),
    ContactKind.embassy: N_("Embassy"),
    ContactKind.msi: N_("Multi-stakeholder initiative"),
    ContactKind.nhri: N_("National human-rights institution"),
    ContactKind.un: N_("United Nations"),
    ContactKind.protection: N_("Protection programme"),
    ContactKind.other: N_("Other"),
}


def role_label(code: str) -> str:
    """A contact role in the reader's language (an unknown code as it is)."""
    return gettext(CONTACT_ROLES[code]) if code in CONTACT_ROLES else code


def kind_label(code: str) -> str:
    return gettext(KIND_LABELS[code]) if code in KIND_LABELS else code


@dataclass
class ContactInput:
    """What a writer (or a CSV row) gives for a contact; :func:`clean_contact` checks it."""

    name: str = ""
    role: str = ""
    kind: str = ContactKind.other
    title: str = ""
    organisation_name: str = ""
    company_id: int | None = None
    country: str = ""
    language: str = "en"
    email: str = ""
    webhook_url: str = ""
    #: Empty: keep the current secret (or generate one for a new webhook).
    webhook_secret: str = ""
    #: Replace the webhook secret with a newly generated one.
    new_webhook_secret: bool = False
    notes: str = ""


# --- Validation -------------------------------------------------------------------------------


def one_line(value: str, limit: int, field: str) -> str:
    """One line of text (spaces collapsed); ``field`` is the N_-marked label for the error."""
    value = " ".join(value.split())
    if len(value) > limit:
        raise Invalid(_too_long(field, limit))
    return value


def text_block(value: str, field: str = N_("Notes"), limit: int = 5000) -> str:
    value = value.strip()
    if len(value) > limit:
        raise Invalid(_too_long(field, limit))
    return value


def _too_long(field: str, limit: int) -> str:
    message = gettext("%(field)s: too long (at most %(limit)d characters).")
    return message % {"field": gettext(field), "limit": limit}


def clean_email(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        email = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        message = gettext("The e-mail address is not valid: %(reason)s")
        raise Invalid(message % {"reason": error}) from None
    if len(email) > 254:
        raise Invalid(gettext("The e-mail address is too long."))
    return email


def clean_webhook_url(value: str) -> str | None:
    """An https URL; plain http only to this machine (a local receiver)."""
    value = value.strip()
    if not value:
        return None
    if len(value) > 2000:
        raise Invalid(_too_long(N_("Webhook address"), 2000))
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise Invalid(gettext("The webhook address is not a valid URL.")) from None
    if parts.scheme not in ("https", "http") or not host:
        raise Invalid(gettext("The webhook address must be an https:// URL."))
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise Invalid(
            gettext("The webhook address must use https:// (http:// only for localhost).")
        )
    if parts.username or parts.password:
        raise Invalid(gettext("Put no user name or password in the webhook address."))
    if parts.fragment or any(ch.isspace() for ch in value):
        raise Invalid(gettext("The webhook address is not a valid URL."))
    return value


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and the base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def clean_webhook_secret(value: str) -> str:
    value = value.strip()
    try:
        raw = base64.b64decode(value.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not value.startswith("whsec_") or not 24 <= len(raw) <= 64:
        raise Invalid(
            gettext('The webhook secret must be "whsec_" followed by 24 to 64 base64 bytes.')
        )
    return value


def clean_contact(session: Session, data: ContactInput) -> dict[str, Any]:
    """The checked, normalised column values of ``data`` (webhook secret excepted)."""
    name = one_line(data.name, 200, N_("Name"))
    if not name:
        raise Invalid(gettext("Give the contact's name."))
    if not is_contact_role(data.role.strip()):
        message = gettext("Unknown role %(code)s: use one of %(codes)s.")
        raise Invalid(
            message % {"code": repr(data.role.strip()), "codes": ", ".join(CONTACT_ROLES)}
        )
    kind = data.kind.strip() or ContactKind.other
    if kind not in KIND_LABELS:
        message = gettext("Unknown kind %(code)s: use one of %(codes)s.")
        raise Invalid(message % {"code": repr(kind), "codes": ", ".join(KIND_LABELS)})
    language = data.language.strip().lower() or "en"
    if language not in LOCALES:
        message = gettext("Language %(code)s is not supported: alerts are written in %(codes)s.")
        raise Invalid(message % {"code": repr(language), "codes": ", ".join(LOCALES)})
    country = data.country.strip().upper()
    if country and country not in country_codes():
        message = gettext("%(code)s is not an ISO 3166-1 country code (such as CO or GB).")
        raise Invalid(message % {"code": repr(country)})
    if data.company_id is not None and session.get(Company, data.company_id) is None:
        message = gettext("No company with id %(id)s in the registry.")
        raise Invalid(message % {"id": data.company_id})
    email, webhook_url = clean_email(data.email), clean_webhook_url(data.webhook_url)
    if email is None and webhook_url is None:
        raise Invalid(gettext("Give an e-mail address or a webhook address to reach the contact."))
    return {
        "name": name,
        "role": data.role.strip(),
        "kind": kind,
        "title": one_line(data.title, 200, N_("Job title")),
        "organisation_name": one_line(data.organisation_name, 300, N_("Organisation")),
        "company_id": data.company_id,
        "country": country or None,
        "language": language,
        "email": email,
        "webhook_url": webhook_url,
        "notes": text_block(data.notes),
    }


def resolve_company(session: Session, reference: str) -> int | None:
    """A registry company given by id or by key (a record merged into another gives the one
    it was merged into); None for an empty reference."""
    reference = reference.strip()
    if not reference:
        return None
    company = None
    if reference.isdigit() and len(reference) < 10:
        company = session.get(Company, int(reference))
    if company is None:
        company = session.scalar(select(Company).where(Company.key == reference))
    if company is None:
        message = gettext("No company with id or key %(ref)s in the registry.")
        raise Invalid(message % {"ref": repr(reference)})
    for _ in range(10):  # follow merges (a chain, never a loop; bounded all the same)
        if company.merged_into_id is None:
            break
        company = session.get(Company, company.merged_into_id) or company
    return company.id
