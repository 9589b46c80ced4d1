"""``vigil import country-scores``: a published file of one source into the score table.

The file is read and checked whole before anything is written (the caller's transaction
stays short), and refused whole if any cell is wrong: a profile built from part of a file
would look complete and be misleading. Re-importing a source's year replaces the values of
the indicators the file holds for that year and leaves the others (a DDF file holds one
indicator: importing ``va_est`` must not remove ``rl_est``), so the same file imported twice
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, tuple_
from sqlalchemy.orm import Session

from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import gettext
from vigil.diligence.countries.indicators import PROVENANCE, Provenance
from vigil.diligence.countries.layouts import KEY_COLUMNS, PARSERS, Reader, ScoreRow
from vigil.diligence.countries.models import CountryScore, ScoreSource
from vigil.diligence.countries.reading import read_table

#: Problems named in the refusal (the rest are counted).
SHOWN_PROBLEMS = 3


@dataclass(frozen=True)
class ImportResult:
    source: str
    years: list[int]
    countries: int
    values: int
    #: Codes skipped because they name no country (only with ``skip_unknown``).
    skipped: list[str]


def read_country_scores(
    path: Path, *, source: str, year: int | None = None, skip_unknown: bool = False
) -> tuple[list[ScoreRow], list[str]]:
    """The checked rows of ``path`` (only ``year``'s when given) and the skipped codes;
    ``Invalid`` naming the file, line and column of the first problems."""
    source = _source(source)
    table = read_table(path, key_columns=KEY_COLUMNS[source])
    reader = Reader(table, source, skip_unknown=skip_unknown)
    try:
        parsed = PARSERS[source](reader)
    except Invalid as error:
        raise Invalid(f"{path.name}: {error}") from None
    _check_duplicates(parsed.rows, reader)
    if parsed.problems:
        raise Invalid(_refusal(path.name, parsed.problems))
    rows = [r for r in parsed.rows if year is None or r.year == year]
    if not rows:
        raise Invalid(
            gettext("%(file)s holds no value for %(year)s.")
            % {"file": path.name, "year": year if year is not None else gettext("any year")}
        )
    return rows, sorted(parsed.skipped)


def store_country_scores(
    session: Session,
    *,
    source: str,
    rows: list[ScoreRow],
    is_demo: bool = False,
    provenance: Provenance | None = None,
) -> int:
    """Replace the stored values of each (year, indicator) in ``rows``; add and flush only."""
    source = _source(source)
    credit = provenance or PROVENANCE[ScoreSource(source)]
    replaced = {(r.year, r.indicator) for r in rows}
    session.execute(
        delete(CountryScore).where(
            CountryScore.source == source,
            tuple_(CountryScore.year, CountryScore.indicator).in_(sorted(replaced)),
        )
    )
    now = utcnow()
    session.add_all(
        CountryScore(
            country=r.country,
            source=source,
            indicator=r.indicator,
            year=r.year,
            value=r.value,
            source_name=r.source_name or credit.source_name,
            source_url=r.source_url or credit.source_url,
            licence=credit.licence,
            is_demo=is_demo,
            imported_at=now,
        )
        for r in rows
    )
    session.flush()
    return len(rows)


def import_country_scores(
    session: Session,
    *,
    path: Path,
    source: str,
    year: int | None = None,
    is_demo: bool = False,
    skip_unknown: bool = False,
) -> ImportResult:
    rows, skipped = read_country_scores(path, source=source, year=year, skip_unknown=skip_unknown)
    count = store_country_scores(session, source=source, rows=rows, is_demo=is_demo)
    return ImportResult(
        source=_source(source),
        years=sorted({r.year for r in rows}),
        countries=len({r.country for r in rows}),
        values=count,
        skipped=skipped,
    )


def _source(source: str) -> str:
    """ "civic-space" on the command line is ``civic_space`` in the table."""
    normalised = source.strip().lower().replace("-", "_")
    if normalised not in PARSERS:
        raise Invalid(
            gettext("Unknown source %(source)r: use wjp, wgi or civic-space.") % {"source": source}
        )
    return normalised


def _check_duplicates(rows: list[ScoreRow], reader: Reader) -> None:
    seen: dict[tuple[str, str, int], int] = {}
    for row in rows:
        key = (row.country, row.indicator, row.year)
        if key in seen:
            reader.problem(
                row.line,
                row.indicator,
                gettext("%(country)s %(year)d is also on line %(other)d")
                % {"country": row.country, "year": row.year, "other": seen[key]},
            )
        seen.setdefault(key, row.line)


def _refusal(name: str, problems: list[str]) -> str:
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    if more > 0:
        shown += " " + gettext("(and %(count)d more)") % {"count": more}
    return gettext("%(file)s was not imported: %(problems)s") % {"file": name, "problems": shown}
