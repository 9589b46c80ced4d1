"""What the collective-action directory and the grievance mechanisms share: the scope of a
piece of reference data (countries and sectors, an empty list meaning "every") and the rule
that evidence is a web address someone can open.

Why "empty means every": a global initiative or a cross-sector mechanism must still come up
for any case; listing 249 countries would hide the few that matter."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, exists, not_, or_, select, true
from sqlalchemy.orm import Session

from vigil.core.errors import Invalid
from vigil.core.i18n import N_
from vigil.core.places import country_codes
from vigil.vocabularies.models import VocabularyTerm

MAX_URL = 2000
COUNTRY_ERROR = N_("Countries must be two-letter ISO codes, e.g. CO or PE.")
SECTOR_ERROR = N_("Choose sectors from the list.")
URL_ERROR = N_("A source must be a web address starting with https:// or http://.")


def clean_countries(values: str | Iterable[str]) -> list[str]:
    """ISO 3166-1 alpha-2 codes from a typed list ("co, PE ec") or a form's values, upper-case,
    each once, in the order given."""
    parts = re.split(r"[\s,;]+", values) if isinstance(values, str) else list(values)
    codes = [p.strip().upper() for p in parts if p and p.strip()]
    if any(code not in country_codes() for code in codes):
        raise Invalid(COUNTRY_ERROR)
    return list(dict.fromkeys(codes))


def sector_codes(session: Session) -> list[str]:
    query = select(VocabularyTerm.code).where(VocabularyTerm.vocabulary == "sector")
    return list(session.scalars(query.order_by(VocabularyTerm.position)))


def sector_terms(session: Session) -> list[VocabularyTerm]:
    query = select(VocabularyTerm).where(VocabularyTerm.vocabulary == "sector")
    return list(session.scalars(query.order_by(VocabularyTerm.position)))


def clean_sectors(session: Session, values: Iterable[str]) -> list[str]:
    known = set(sector_codes(session))
    codes = [v.strip() for v in values if v and v.strip()]
    if any(code not in known for code in codes):
        raise Invalid(SECTOR_ERROR)
    return list(dict.fromkeys(codes))


def clean_url(value: str, *, required: bool = False) -> str:
    """An http(s) address with a host; ``""`` when empty and not required."""
    url = (value or "").strip()
    if not url and not required:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        raise Invalid(URL_ERROR)
    if any(c.isspace() for c in url):
        raise Invalid(URL_ERROR)
    return url


def covers(
    owner_id: ColumnElement[int],
    link: ColumnElement[int],
    column: ColumnElement[str],
    value: str | None,
) -> ColumnElement[bool]:
    """SQL: the owner's scope list (rows whose ``link`` is ``owner_id``) is empty, or holds
    ``value`` in ``column``. ``value`` None (a case without a sector) matches every owner:
    nothing rules it out."""
    if value is None:
        return true()
    any_row = exists().where(link == owner_id)
    match = exists().where(link == owner_id, column == value)
    return or_(not_(any_row), match)
