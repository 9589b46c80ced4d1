"""Reading and writing country reference data, and composing a country's risk profile.

Incident counts come from the de-identified public register only (``vigil.public``), with
small yearly counts withheld by the register's own rule (``vigil.public.cells``): a profile
is public, so it may say nothing the register does not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.core.places import country_codes
from vigil.diligence.countries.indicators import INDICATORS, civic_space_rating
from vigil.diligence.countries.models import (
    CountryLegalFlag,
    CountryScore,
    FlagStatus,
    LegalFlag,
)
from vigil.diligence.countries.profile import (
    CountryProfile,
    FlagValue,
    IndicatorSeries,
    ScoreValue,
    Trend,
    YearCount,
)
from vigil.public.register_models import PublicIncident

#: Years of incident counts in a profile, and the trend's window.
YEARS = 10
TREND_WINDOW = 3
#: Values of an indicator kept as its history (the latest included).
HISTORY = 5
#: A window this much above (or below) the other is a rise (or a fall): smaller changes of
#: small counts say nothing.
TREND_RATIO = 1.25


def country_profile(
    session: Session, *, country: str, min_cell: int, today: date | None = None
) -> CountryProfile:
    """The profile of ``country`` (alpha-2, any case). ``min_cell`` is
    ``settings.public_min_cell``. ``NotFound`` for a code that is not a country; a country
    with no data is an empty profile, not an error."""
    code = _country(country)
    scores = _series(session, code)
    civic = scores.pop("civic_space", [])
    latest_civic = civic[0].latest if civic else None
    by_year = register_counts(session, country=code, min_cell=min_cell, today=today)
    return CountryProfile(
        country=code,
        scores=scores,
        civic_space=latest_civic,
        civic_space_rating=civic_space_rating(latest_civic.value) if latest_civic else None,
        flags=country_flags(session, country=code),
        incidents_by_year=by_year,
        trend=trend_of(by_year),
        min_cell=min_cell,
    )


def _country(country: str) -> str:
    code = country.strip().upper()
    if code not in country_codes():
        raise NotFound(gettext("There is no such country."))
    return code


def _series(session: Session, country: str) -> dict[str, list[IndicatorSeries]]:
    rows = session.scalars(
        select(CountryScore)
        .where(CountryScore.country == country)
        .order_by(CountryScore.year.desc(), CountryScore.id)
    )
    values: dict[tuple[str, str], list[ScoreValue]] = defaultdict(list)
    for row in rows:
        values[(row.source, row.indicator)].append(
            ScoreValue(
                row.indicator,
                row.year,
                row.value,
                row.source_name,
                row.source_url,
                row.licence,
                row.is_demo,
            )
        )
    series: dict[str, list[IndicatorSeries]] = {}
    for indicator in INDICATORS:
        found = values.get((indicator.source.value, indicator.code))
        if found:
            series.setdefault(indicator.source.value, []).append(
                IndicatorSeries(indicator.source.value, indicator.code, found[0], found[:HISTORY])
            )
    return series


def register_counts(
    session: Session, *, country: str, min_cell: int, today: date | None = None
) -> list[YearCount]:
    """Published incidents per year of the last ``YEARS`` years (this one so far included),
    oldest first. A year with fewer than ``min_cell`` is withheld (None), as every public
    count is: with one single-valued dimension the register's rule (``vigil.public.cells``)
    withholds exactly those cells and counts their incidents nowhere else."""
    last = (today or utcnow().date()).year
    first = last - YEARS + 1
    rows = session.execute(
        select(PublicIncident.year, func.count())
        .where(PublicIncident.country == country, PublicIncident.year.between(first, last))
        .group_by(PublicIncident.year)
    ).all()
    counts = dict(rows)
    return [
        YearCount(year, None if 0 < counts.get(year, 0) < min_cell else counts.get(year, 0))
        for year in range(first, last + 1)
    ]


def trend_of(by_year: list[YearCount], *, window: int = TREND_WINDOW) -> Trend:
    """The last ``window`` years against the ``window`` before, over shown counts only."""
    recent, previous = by_year[-window:], by_year[-2 * window : -window]
    recent_sum = sum(y.count or 0 for y in recent)
    previous_sum = sum(y.count or 0 for y in previous)
    if recent_sum == previous_sum == 0:
        direction = "unknown"
    elif recent_sum > previous_sum * TREND_RATIO:
        direction = "rising"
    elif recent_sum * TREND_RATIO < previous_sum:
        direction = "falling"
    else:
        direction = "stable"
    return Trend(
        window=window,
        recent_years=(recent[0].year, recent[-1].year),
        previous_years=(previous[0].year, previous[-1].year),
        recent=recent_sum,
        previous=previous_sum,
        direction=direction,
    )


def country_flags(session: Session, *, country: str) -> list[FlagValue]:
    order = {flag.value: position for position, flag in enumerate(LegalFlag)}
    rows = session.scalars(select(CountryLegalFlag).where(CountryLegalFlag.country == country))
    return [
        FlagValue(r.flag, r.status, r.source_name, r.source_url, r.year, r.note, r.is_demo)
        for r in sorted(rows, key=lambda r: order.get(r.flag, len(order)))
    ]


def set_country_flag(
    session: Session,
    *,
    country: str,
    flag: str,
    status: str,
    source_name: str,
    source_url: str = "",
    year: int | None = None,
    note: str = "",
    is_demo: bool = False,
) -> CountryLegalFlag:
    """Create or replace one flag of a country. A flag without a source is refused: the
    profile is evidence, never an unsourced claim. Only administrators reach this (the CLI
    and the staff page check the role)."""
    code = _country(country)
    if flag not in LegalFlag.__members__:
        raise Invalid(gettext("Unknown legal-framework flag %(flag)r.") % {"flag": flag})
    if status not in FlagStatus.__members__:
        raise Invalid(
            gettext("Unknown status %(status)r: use yes, no, partial or pending.")
            % {"status": status}
        )
    if not source_name.strip():
        raise Invalid(gettext("A legal-framework flag needs its source."))
    if year is not None and not 1900 <= year <= 2100:
        raise Invalid(gettext("%(year)s is not a year.") % {"year": year})
    row = session.scalar(
        select(CountryLegalFlag).where(
            CountryLegalFlag.country == code, CountryLegalFlag.flag == flag
        )
    ) or CountryLegalFlag(country=code, flag=flag)
    row.status, row.source_name, row.source_url = status, source_name.strip(), source_url.strip()
    row.year, row.note, row.is_demo = year, note.strip(), is_demo
    session.add(row)
    session.flush()
    return row


def profiled_countries(session: Session) -> set[str]:
    """Countries with at least one score or legal-framework flag."""
    query = union(select(CountryScore.country), select(CountryLegalFlag.country))
    return set(session.scalars(select(query.subquery().c.country)))
