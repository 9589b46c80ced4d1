"""Organisation lookups and creation; slugs are the stable handle used by the CLI."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.errors import Invalid, NotFound
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
