"""Country pages of the register: how many published incidents a country has, by region,
and the latest of them, read from the de-identified register tables only. The due-diligence
risk profile of a country will sit beside these figures (another module, later).

The counts by region are a public cross-tabulation, so they follow the rule of the
``regions.geojson`` export (:mod:`vigil.public.regions`): a region below
``VIGIL_PUBLIC_MIN_CELL`` is merged into "the rest of the country", which is itself withheld
when below it; and the country's total (on its page and in the countries index) is the sum of
the shown cells only, so "total − shown regions" is always the shown rest, never a withheld
number (the argument of :mod:`vigil.public.cells`). The list of latest incidents is not a
count: each row is an incident the register publishes on its own."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

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
    #: The sum of the shown cells (withheld incidents are in no number, see below).
    total: int
    #: (ISO 3166-2 code, number of incidents) of the regions with at least ``min_cell``,
    #: most first.
    by_region: list[tuple[str, int]]
    #: Incidents of smaller regions and of no known region, merged: a number, None when
    #: fewer than ``min_cell`` (withheld), 0 when there are none.
    rest: int | None
    min_cell: int
    latest: list[PublicIncident]


def _cells(regions: dict[str, int], min_cell: int) -> tuple[list[tuple[str, int]], int | None]:
    """The regions shown on their own and the merged rest, by the rule of
    :mod:`vigil.public.regions` (the GeoJSON's): a region below ``min_cell`` joins the rest of
    the country, and the rest is shown only when it reaches ``min_cell`` itself."""
    shown = [(r, n) for r, n in regions.items() if r and n >= min_cell]
    rest = sum(n for r, n in regions.items() if not r or n < min_cell)
    merged = rest if rest >= min_cell or rest == 0 else None
    return sorted(shown, key=lambda r: (-r[1], r[0])), merged


def _published_total(shown: list[tuple[str, int]], rest: int | None) -> int:
    """Only shown cells add up to the total, so "total − shown regions" is never a withheld
    number (the rule of :mod:`vigil.public.cells`)."""
    return sum(n for _, n in shown) + (rest or 0)


def _region_counts(session: Session, *where: Any) -> dict[str, dict[str, int]]:
    rows = session.execute(
        select(PublicIncident.country, PublicIncident.region, func.count())
        .where(*where)
        .group_by(PublicIncident.country, PublicIncident.region)
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for country, region, n in rows:
        counts[country][region or ""] = counts[country].get(region or "", 0) + n
    return counts


def country_page(
    session: Session, *, country: str, min_cell: int, latest: int = LATEST
) -> CountryPage:
    """``NotFound`` for a code that is not a country; a country with no incident is a page
    that says so (a reader may look a country up before anything is published about it).
    Counts below ``min_cell`` are withheld and left out of the total."""
    code = country.upper()
    if code not in country_codes():
        raise NotFound(gettext("There is no such country."))
    in_country = PublicIncident.country == code
    shown, rest = _cells(_region_counts(session, in_country).get(code, {}), min_cell)
    rows = session.scalars(
        select(PublicIncident).where(in_country).order_by(*REGISTER_ORDER).limit(latest)
    )
    return CountryPage(code, _published_total(shown, rest), shown, rest, min_cell, list(rows))


def register_countries(session: Session, *, min_cell: int) -> list[tuple[str, int | None]]:
    """(country code, its published total) of every country in the register; None when
    none of its cells reaches ``min_cell`` (withheld), the same number its page shows."""
    found = []
    for country, regions in _region_counts(session).items():
        total = _published_total(*_cells(regions, min_cell))
        found.append((country, total or None))
    return found
