"""Country pages of the register: how many published incidents a country has, by region,
and the latest of them, read from the de-identified register tables only. The due-diligence
risk profile of a country will sit beside these figures (another module, later)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.core.i18n import gettext
from vigil.core.places import country_codes
from vigil.public.register import REGISTER_ORDER
from vigil.public.register_models import PublicIncident

#: The country page lists this many of its latest incidents; the register lists the rest.
LATEST = 20


@dataclass(frozen=True)
class CountryPage:
    country: str
    total: int
    #: (ISO 3166-2 code, or "" when the region is not known, number of incidents), most first.
    by_region: list[tuple[str, int]]
    latest: list[PublicIncident]


def country_page(session: Session, *, country: str, latest: int = LATEST) -> CountryPage:
    """``NotFound`` for a code that is not a country; a country with no incident is a page
    that says so (a reader may look a country up before anything is published about it)."""
    code = country.upper()
    if code not in country_codes():
        raise NotFound(gettext("There is no such country."))
    in_country = PublicIncident.country == code
    regions = session.execute(
        select(PublicIncident.region, func.count())
        .where(in_country)
        .group_by(PublicIncident.region)
    ).all()
    by_region = sorted(((region, count) for region, count in regions), key=lambda r: (-r[1], r[0]))
    rows = session.scalars(
        select(PublicIncident).where(in_country).order_by(*REGISTER_ORDER).limit(latest)
    )
    return CountryPage(code, sum(count for _, count in by_region), by_region, list(rows))


def register_countries(session: Session) -> list[tuple[str, int]]:
    """(country code, number of incidents) of every country in the register."""
    rows = session.execute(
        select(PublicIncident.country, func.count()).group_by(PublicIncident.country)
    ).all()
    return [(country, count) for country, count in rows]
