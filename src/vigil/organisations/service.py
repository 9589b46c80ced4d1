"""Organisation lookups and creation; slugs are the stable handle used by the CLI."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.errors import Invalid, NotFound
from vigil.core.time_zones import is_time_zone
from vigil.organisations.models import Organisation

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def get_organisation_by_slug(session: Session, *, slug: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(f"No organisation with slug {slug!r}.")
    return organisation


def ensure_organisation(
    session: Session, *, slug: str, name: str, country: str | None = None
) -> Organisation:
    """Return the organisation with this slug, creating it if needed (idempotent)."""
    if not SLUG_PATTERN.match(slug):
        raise Invalid(
            f"Organisation slug {slug!r} must be 2-63 lower-case letters, digits or hyphens."
        )
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        organisation = Organisation(slug=slug, name=name, country=country)
        session.add(organisation)
        session.flush()
    return organisation


#: A plain address (the e-mail channel refuses anything else in a header).
CONTACT_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}$"
)


def set_contact_email(session: Session, *, slug: str, email: str) -> Organisation:
    """The organisation's contact address: alert e-mail carries it as ``Reply-To`` so that a
    recipient's reply reaches people, not the sending robot. "" removes it."""
    organisation = get_organisation_by_slug(session, slug=slug)
    address = email.strip()
    if address and (len(address) > 254 or not CONTACT_EMAIL.match(address)):
        raise Invalid(f"{address!r} is not a plain e-mail address (like team@example.org).")
    organisation.contact_email = address or None
    session.flush()
    record_event(
        session,
        action="organisation.contact_email_set",
        organisation_id=organisation.id,
        object_type="organisation",
        object_id=organisation.id,
        detail={"address": address or None},
    )
    return organisation


def set_time_zone(session: Session, *, org_id: int, name: str, actor_user_id: int) -> Organisation:
    """The zone the organisation's staff (unless they chose their own) and its reporters see
    times in; an IANA name ``zoneinfo`` knows (audited: the old and new zone)."""
    organisation = session.get(Organisation, org_id)
    if organisation is None:
        raise NotFound("No such organisation.")
    name = name.strip()
    if not is_time_zone(name):
        raise Invalid(f"{name!r} is not a time zone (like America/Bogota).")
    previous, organisation.time_zone = organisation.time_zone, name
    session.flush()
    record_event(
        session,
        action="organisation.time_zone_set",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="organisation",
        object_id=org_id,
        detail={"from": previous, "to": name},
    )
    return organisation


def time_zone_of(session: Session, *, org_id: int) -> str:
    """The organisation's time zone name (UTC for an organisation not found): what the
    pages reached without an account show times in."""
    organisation = session.get(Organisation, org_id)
    return organisation.time_zone if organisation is not None else "UTC"
