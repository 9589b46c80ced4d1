"""The published layouts of each source, turned into checked score rows.

- WJP: the Rule of Law Index historical data file (one row per country and edition, the
  overall score and the eight factor scores in columns named as WJP names them).
- WGI: the World Bank export (``Country Code``, ``Series Code`` or ``Indicator Code``, one
  column per year, ``..`` for no value), the Open Numbers DDF datapoints (``geo`` lower-case
  alpha-3, ``time``, ``rl_est`` or ``va_est``), and the compact table Vigil ships
  (``iso3``, ``year``, ``rule_of_law_est``, ``voice_accountability_est``).
- Civic space: ``country``, ``rating``, ``year``, ``source`` (optionally ``source_url``).

Every problem is collected with its line and column; the caller refuses the whole file if
there is any (half a year of scores would be a misleading profile).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from vigil.core.errors import Invalid
from vigil.core.i18n import gettext
from vigil.diligence.countries.countries import resolve_country
from vigil.diligence.countries.indicators import BY_KEY, CIVIC_SPACE_RATINGS
from vigil.diligence.countries.reading import Table, normalise

WJP_COLUMNS = {
    "overall": "WJP Rule of Law Index: Overall Score",
    "factor_1": "Factor 1: Constraints on Government Powers",
    "factor_2": "Factor 2: Absence of Corruption",
    "factor_3": "Factor 3: Open Government",
    "factor_4": "Factor 4: Fundamental Rights",
    "factor_5": "Factor 5: Order and Security",
    "factor_6": "Factor 6: Regulatory Enforcement",
    "factor_7": "Factor 7: Civil Justice",
    "factor_8": "Factor 8: Criminal Justice",
}
WGI_SERIES = {"rl.est": "RL.EST", "va.est": "VA.EST"}
DDF_VALUES = {"rl_est": "RL.EST", "va_est": "VA.EST"}
COMPACT_VALUES = {"rule_of_law_est": "RL.EST", "voice_accountability_est": "VA.EST"}
#: The key column that recognises each layout (the header row is the first row holding one).
KEY_COLUMNS = {
    "wjp": ("Country Code", "Country"),
    "wgi": ("geo", "iso3", "Country Code"),
    "civic_space": ("country",),
}
YEAR_COLUMN = re.compile(r"^(\d{4})( \[YR\d{4}\])?$")


@dataclass(frozen=True)
class ScoreRow:
    country: str
    indicator: str
    year: int
    value: float
    line: int
    source_name: str = ""
    source_url: str = ""


@dataclass
class Parsed:
    rows: list[ScoreRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Codes skipped as not a country (only when the caller asked to skip them).
    skipped: set[str] = field(default_factory=set)


class Reader:
    """Checks cells of one table, noting each problem with its line and column."""

    def __init__(self, table: Table, source: str, *, skip_unknown: bool) -> None:
        self.table, self.source, self.skip_unknown = table, source, skip_unknown
        self.parsed = Parsed()

    def require(self, *names: str) -> dict[str, int]:
        missing = [n for n in names if self.table.column(n) is None]
        if missing:
            raise Invalid(gettext('Missing column "%(column)s".') % {"column": missing[0]})
        return {n: self.table.column(n) for n in names}  # type: ignore[misc]

    def problem(self, line: int, column: str, message: str) -> None:
        self.parsed.problems.append(
            gettext('line %(line)d, column "%(column)s": %(message)s')
            % {"line": line, "column": column, "message": message}
        )

    def country(self, line: int, column: str, text: str) -> str | None:
        code = resolve_country(text)
        if code is None:
            if self.skip_unknown:
                self.parsed.skipped.add(text)
            else:
                self.problem(line, column, gettext("unknown country %(code)r") % {"code": text})
        return code

    def year(self, line: int, column: str, text: str) -> int | None:
        """A year, or an edition "2012-2013" (WJP's older editions) as its last year."""
        found = re.fullmatch(r"(\d{4})(?:\s*[-–/]\s*(\d{4}))?", text.strip())
        if found is None:
            self.problem(line, column, gettext("%(value)r is not a year") % {"value": text})
            return None
        return int(found.group(2) or found.group(1))

    def value(self, line: int, column: str, text: str, source: str, indicator: str) -> float | None:
        """None for an empty cell (the source publishes no value); a problem for anything
        that is not a number within the indicator's published scale."""
        if text.strip() in {"", "..", "NA", "n/a"}:
            return None
        scale = BY_KEY[(source, indicator)]
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            number = None
        if number is None or not scale.low <= number <= scale.high:
            self.problem(
                line,
                column,
                gettext("%(value)r is not a number from %(low)s to %(high)s")
                % {"value": text, "low": scale.low, "high": scale.high},
            )
            return None
        return number

    def add(self, row: ScoreRow) -> None:
        self.parsed.rows.append(row)


def parse_wjp(reader: Reader) -> Parsed:
    code_column = "Country Code" if reader.table.column("Country Code") is not None else "Country"
    columns = reader.require(code_column, "Year", *WJP_COLUMNS.values())
    for line, cells in reader.table.rows:
        cell = _cells(cells)
        if not cell(columns[code_column]):
            continue
        country = reader.country(line, code_column, cell(columns[code_column]))
        year = reader.year(line, "Year", cell(columns["Year"]))
        for indicator, name in WJP_COLUMNS.items():
            value = reader.value(line, name, cell(columns[name]), "wjp", indicator)
            if country and year and value is not None:
                reader.add(ScoreRow(country, indicator, year, value, line))
    return reader.parsed


def parse_wgi(reader: Reader) -> Parsed:
    table = reader.table
    if table.column("geo") is not None:
        present = {k: v for k, v in DDF_VALUES.items() if table.column(k) is not None}
        return _parse_long(reader, "geo", "time", present or {"rl_est": "RL.EST"})
    if table.column("iso3") is not None:
        return _parse_long(reader, "iso3", "year", COMPACT_VALUES)
    return _parse_world_bank(reader)


def _parse_long(reader: Reader, code: str, year_name: str, values: dict[str, str]) -> Parsed:
    columns = reader.require(code, year_name, *values)
    for line, cells in reader.table.rows:
        cell = _cells(cells)
        if not cell(columns[code]):
            continue
        country = reader.country(line, code, cell(columns[code]))
        year = reader.year(line, year_name, cell(columns[year_name]))
        for name, indicator in values.items():
            value = reader.value(line, name, cell(columns[name]), "wgi", indicator)
            if country and year and value is not None:
                reader.add(ScoreRow(country, indicator, year, value, line))
    return reader.parsed


def _parse_world_bank(reader: Reader) -> Parsed:
    """One row per country and series, one column per year ("2023" or "2023 [YR2023]");
    series other than RL.EST and VA.EST (ranks, standard errors) are ignored."""
    table = reader.table
    series = "Indicator Code" if table.column("Indicator Code") is not None else "Series Code"
    columns = reader.require("Country Code", series)
    years = [
        (index, name, int(found.group(1)))
        for index, name in enumerate(table.header)
        if (found := YEAR_COLUMN.match(name.strip()))
    ]
    if not years:
        reader.require("2023")  # names a year column as the one missing
    for line, cells in table.rows:
        cell = _cells(cells)
        indicator = _series(cell(columns[series]))
        if not cell(columns["Country Code"]) or indicator is None:
            continue
        country = reader.country(line, "Country Code", cell(columns["Country Code"]))
        for index, name, year in years:
            value = reader.value(line, name, cell(index), "wgi", indicator)
            if country and value is not None:
                reader.add(ScoreRow(country, indicator, year, value, line))
    return reader.parsed


def _series(code: str) -> str | None:
    """ "RL.EST", or the WGI database's "GOV_WGI_RL.EST"."""
    lowered = code.strip().casefold()
    return next(
        (v for k, v in WGI_SERIES.items() if lowered == k or lowered.endswith("_" + k)), None
    )


def parse_civic_space(reader: Reader) -> Parsed:
    columns = reader.require("country", "rating", "year", "source")
    url = reader.table.column("source_url")
    for line, cells in reader.table.rows:
        cell = _cells(cells)
        if not any(cells):
            continue
        country = reader.country(line, "country", cell(columns["country"]))
        year = reader.year(line, "year", cell(columns["year"]))
        rating = normalise(cell(columns["rating"]))
        if rating not in CIVIC_SPACE_RATINGS:
            reader.problem(
                line,
                "rating",
                gettext("%(value)r is not one of %(ratings)s")
                % {"value": cell(columns["rating"]), "ratings": ", ".join(CIVIC_SPACE_RATINGS)},
            )
            continue
        source = cell(columns["source"])
        if not source:
            reader.problem(line, "source", gettext("the source is empty"))
            continue
        if country and year:
            rank = CIVIC_SPACE_RATINGS.index(rating) + 1
            link = cell(url) if url is not None else ""
            reader.add(ScoreRow(country, "rating", year, float(rank), line, source, link))
    return reader.parsed


PARSERS: dict[str, Callable[[Reader], Parsed]] = {
    "wjp": parse_wjp,
    "wgi": parse_wgi,
    "civic_space": parse_civic_space,
}


def _cells(cells: list[str]) -> Callable[[int | None], str]:
    def cell(index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    return cell
