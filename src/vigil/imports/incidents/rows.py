"""One source row → one incident draft, or the reasons it cannot be one.

A row is *invalid* when a value is wrong in itself (an impossible date, an age of 4145, no
country, no attack type), and *unmapped* when a word is not yet known (an attack type, a
sector, a country, a region or a company nobody mapped). Both hold the row back: it is listed
with its line and column, and importing the file again once the mapping says what the word
means takes the row in then (its source key was never recorded). Importing the row without the
word instead would lose it for good: the re-run would skip the row as already imported.

Only the draft is built here (no database writes); ``importer`` writes it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from vigil.imports.incidents.mapping import LIST_FIELDS, VOCABULARY_OF, Mapping
from vigil.imports.incidents.vocabulary import Translator
from vigil.imports.reading import SourceRow
from vigil.imports.values import ValueProblem
from vigil.imports.values.countries import resolve_country, resolve_region
from vigil.imports.values.dates import ParsedDate, date_from_parts, parse_date
from vigil.imports.values.numbers import parse_age

#: Perpetrators who act for a company: a mapped company is named on their involvement.
COMPANY_PERPETRATORS = frozenset({"company_staff", "private_security", "contractor"})
#: Column sizes of ``Incident.title``, ``Defender.alias`` and ``Source.url``.
MAX_TITLE, MAX_ALIAS, MAX_URL = 300, 120, 2000


@dataclass(frozen=True)
class Problem:
    """Why a row is held back: ``kind`` is "invalid", "unmapped" or "duplicate"."""

    line: int
    kind: str
    message: str
    column: str | None = None
    field: str | None = None
    value: str | None = None


Say = Callable[[Problem], None]


@dataclass
class Victim:
    name: str | None = None
    alias: str | None = None
    genders: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    age: int | None = None


@dataclass
class Draft:
    """Everything one incident will be recorded with."""

    line: int
    key: str
    title: str
    country: str
    attack_types: list[str]
    summary: str = ""
    occurred_on: date | None = None
    precision: str = "day"
    region: str | None = None
    place: str | None = None
    sector: str | None = None
    perpetrators: list[str] = field(default_factory=list)
    company_id: int | None = None
    victim: Victim | None = None
    source_url: str | None = None
    source_name: str | None = None


@dataclass
class RowOutcome:
    draft: Draft | None
    problems: list[Problem]


def source_key(row: SourceRow, id_column: str | None) -> str | None:
    """The row's stable key: its id (``id:…``), else a SHA-256 of every non-empty cell with
    its column (so reordering the file's columns keeps the keys). None: the id is empty."""
    if id_column is not None:
        value = row.values.get(id_column, "").strip()
        return f"id:{value}"[:128] if value else None
    cells = sorted((k, v.strip()) for k, v in row.values.items() if v and v.strip())
    digest = hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()
    return f"sha256:{digest}"


class RowTranslator:
    """Reads the mapped cells of one row through the translator, collecting problems."""

    def __init__(self, mapping: Mapping, columns: dict[str, str], translator: Translator):
        self.mapping = mapping
        self.columns = columns
        self.translator = translator

    def outcome(self, row: SourceRow, key: str) -> RowOutcome:
        cells = _Cells(row, self.columns)
        problems: list[Problem] = []
        say = problems.append
        country = self._country(cells, say)
        region = self._region(cells, country, say) if country else None
        when = self._date(cells, say)
        terms = {name: self._terms(cells, name, say) for name in VOCABULARY_OF}
        company_id = self._company(cells, say)
        age = self._age(cells, say)
        if not terms["attack_type"] and not _has(problems, "attack_type"):
            say(cells.invalid("attack_type", "no attack type: every incident needs one"))
        url = cells.text("source_url")
        if url is not None and len(url) > MAX_URL:
            say(cells.invalid("source_url", f"the source URL is over {MAX_URL} characters"))
        if problems:
            return RowOutcome(None, problems)
        assert country is not None
        draft = Draft(
            line=row.line,
            key=key,
            title=_shortened(cells.text("title") or "", MAX_TITLE),
            country=country,
            attack_types=terms["attack_type"],
            summary=cells.text("summary") or "",
            occurred_on=when.date if when else None,
            precision=when.precision if when else "day",
            region=region,
            place=cells.text("place"),
            sector=(terms["sector"] or [None])[0],
            perpetrators=terms["perpetrator_type"],
            company_id=company_id,
            victim=self._victim(cells, terms, age),
            source_url=url,
            source_name=cells.text("source_name"),
        )
        return RowOutcome(draft, [])

    def _country(self, cells: _Cells, say: Say) -> str | None:
        value = cells.text("country")
        if value is None:
            say(cells.invalid("country", "no country: every incident needs one"))
            return None
        entry = self.translator.mapped("country", value)
        code = entry.code.upper() if entry is not None and entry.code else None
        code = code or (resolve_country(value) if entry is None else None)
        if code is None:
            say(cells.unmapped("country", value))
        return code

    def _region(self, cells: _Cells, country: str, say: Say) -> str | None:
        value = cells.text("region")
        if value is None:
            return None
        entry = self.translator.mapped("region", value)
        if entry is not None:
            code = entry.code.upper() or None
            if code and not code.startswith(f"{country}-"):
                say(cells.invalid("region", f"region {code} is not in {country}"))
            return code
        code = resolve_region(country, value)
        if code is None:
            say(cells.unmapped("region", value))
        return code

    def _date(self, cells: _Cells, say: Say) -> ParsedDate | None:
        spec = self.mapping.columns.get("date")
        if spec is not None:
            value = cells.text("date")
            if value is None:
                return None
            parsed = parse_date(value, order=spec.order, fmt=spec.format)  # type: ignore[arg-type]
            name = "date"
        else:
            year = cells.text("year")
            if year is None:
                return None
            parsed = date_from_parts(year, cells.text("month"), cells.text("day"))
            name = "year"
        if isinstance(parsed, ValueProblem):
            say(cells.invalid(name, parsed.message))
            return None
        return parsed

    def _terms(self, cells: _Cells, name: str, say: Say) -> list[str]:
        value = cells.text(name)
        if value is None:
            return []
        spec = self.mapping.columns[name]
        words = value.split(spec.split) if spec.split and name in LIST_FIELDS else [value]
        codes: list[str] = []
        for word in (w.strip() for w in words):
            translated = self.translator.term(name, word)
            if translated.unmapped:
                say(cells.unmapped(name, word))
            elif translated.code and translated.code not in codes:
                codes.append(translated.code)
        return codes

    def _company(self, cells: _Cells, say: Say) -> int | None:
        value = cells.text("company")
        if value is None:
            return None
        translated, company_id = self.translator.company(value)
        if translated.unmapped:
            say(cells.unmapped("company", value))
        return company_id

    def _age(self, cells: _Cells, say: Say) -> int | None:
        value = cells.text("age")
        if value is None:
            return None
        age = parse_age(value)
        if isinstance(age, ValueProblem):
            say(cells.invalid("age", age.message))
            return None
        return age

    @staticmethod
    def _victim(cells: _Cells, terms: dict[str, list[str]], age: int | None) -> Victim | None:
        """A victim is recorded when the row says anything of one (a name, an alias, a gender,
        a defender type or an age): an unnamed victim is still a person to protect."""
        victim = Victim(
            name=cells.text("victim_name"),
            alias=_shortened(cells.text("victim_alias") or "", MAX_ALIAS) or None,
            genders=terms["gender"],
            types=terms["defender_type"],
            age=age,
        )
        said = victim.name or victim.alias or victim.genders or victim.types
        return victim if said or age is not None else None


def _shortened(text: str, limit: int) -> str:
    """Long titles and aliases are cut (the full text is in the file, the row is not lost)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _has(problems: list[Problem], name: str) -> bool:
    return any(problem.field == name for problem in problems)


class _Cells:
    """The row's mapped cells by field, stripped; None for an unmapped field or empty cell."""

    def __init__(self, row: SourceRow, columns: dict[str, str]) -> None:
        self.row = row
        self.columns = columns

    def text(self, name: str) -> str | None:
        column = self.columns.get(name)
        value = self.row.values.get(column, "") if column else ""
        value = str(value).strip() if value is not None else ""
        return value or None

    def invalid(self, name: str, message: str) -> Problem:
        return Problem(
            line=self.row.line,
            kind="invalid",
            message=message,
            column=self.columns.get(name),
            field=name,
            value=self.text(name),
        )

    def unmapped(self, name: str, value: str) -> Problem:
        return Problem(
            line=self.row.line,
            kind="unmapped",
            message=f"{name.replace('_', ' ')} {value!r} is not mapped",
            column=self.columns.get(name),
            field=name,
            value=value,
        )
