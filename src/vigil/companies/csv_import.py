"""``vigil import companies``: a plain spreadsheet (CSV) of companies, with a column mapping.

``--map name=Company Name,jurisdiction=Country,lei=LEI`` says which column holds what. Each
row becomes a FollowTheMoney ``Company`` (and an ``Address`` when an address column is
mapped) and goes through the same writer as ``vigil import ftm``, so the rules are the same:
upserts on a key, provenance (file and row number), revisions on change. The key is the
mapped ``key`` column or, without one, a hash of the name's matching key, the country and the
address, so importing the same file again changes nothing. Rows are numbered as a
spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry as ftm_types
from rigour.text import ascii_text
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.ftm import Origin, key_of, write_address, write_company
from vigil.companies.ftm_import import BadLines, ImportReport, OnCreated, Problem
from vigil.companies.matching import name_key
from vigil.companies.models import Address
from vigil.companies.service import clean_country, clean_identifier, clean_website
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.vocabularies.models import VocabularyTerm

#: Field names for ``--map`` → FtM property of Company (``key`` and ``address`` are special).
FIELDS = {
    "key": None,
    "name": "name",
    "alias": "alias",
    "former_name": "previousName",
    "legal_form": "legalForm",
    "jurisdiction": "jurisdiction",
    "country": "country",
    "website": "website",
    "sector": "sector",
    "lei": "leiCode",
    "registration": "registrationNumber",
    "isin": "isinCode",
    "ticker": "ticker",
    "tax": "taxNumber",
    "address": None,
    "email": "email",
    "phone": "phone",
    "notes": "notes",
}
#: Fields that may hold several values in one cell, separated by "|" (a company may operate
#: in several countries; it has one jurisdiction).
MULTI = {"alias", "former_name", "sector", "lei", "registration", "isin", "ticker", "tax"} | {
    "country"
}
SCHEME_OF = {field: field for field in ("lei", "registration", "isin", "ticker", "tax")}


def parse_mapping(specs: list[str]) -> dict[str, str]:
    """``["name=Company Name,jurisdiction=Country"]`` → {"name": "Company Name", …}."""
    mapping: dict[str, str] = {}
    for spec in specs:
        for part in spec.split(","):
            if not part.strip():
                continue
            target, sep, column = part.partition("=")
            target, column = target.strip().lower(), column.strip()
            if not sep or not column:
                raise Invalid(f"--map: {part.strip()!r} is not FIELD=COLUMN.")
            if target not in FIELDS:
                raise Invalid(f"--map: unknown field {target!r} (fields: {', '.join(FIELDS)}).")
            if target in mapping:
                raise Invalid(f"--map: field {target!r} is mapped twice.")
            mapping[target] = column
    if "name" not in mapping:
        raise Invalid("--map must say which column holds the name, e.g. name=Company Name.")
    return mapping


@dataclass(frozen=True)
class _Row:
    number: int
    company: EntityProxy
    address: EntityProxy | None


def _values(field: str, cell: str) -> list[str]:
    parts = cell.split("|") if field in MULTI else [cell]
    return [" ".join(p.split()) for p in parts if p.strip()]


def _sector_codes(session: Session) -> dict[str, str]:
    """Sector codes by code and by label in every language, lower case ("mining", "minería")."""
    codes: dict[str, str] = {}
    for term in session.scalars(
        select(VocabularyTerm).where(VocabularyTerm.vocabulary == "sector")
    ):
        for text in (term.code, term.label_en, term.label_es, term.label_fr, term.label_pt):
            codes[text.lower()] = term.code
    return codes


def _row_entities(
    fields: dict[str, list[str]], *, dataset: str, sectors: dict[str, str]
) -> tuple[EntityProxy, EntityProxy | None]:
    """The row's Company (and Address), or ValueError saying what is wrong."""
    name = (fields.get("name") or [""])[0]
    if not name or len(name) > 300:
        raise ValueError("no name (or longer than 300 characters)")
    country = None
    for field in ("jurisdiction", "country"):
        for value in fields.get(field, []):
            if clean_country(value) is None:
                raise ValueError(f"{value!r} is not a country")
            country = country or clean_country(value)
    for value in fields.get("website", []):
        if clean_website(value) is None:
            raise ValueError(f"{value!r} is not a web address")
    for field, scheme in SCHEME_OF.items():
        fields[field] = [clean_identifier_or_raise(scheme, v) for v in fields.get(field, [])]
    fields["sector"] = [sectors.get(v.lower(), v) for v in fields.get("sector", [])]
    address_text = " ".join(fields.pop("address", []))
    key = _row_key(fields.pop("key", []), dataset=dataset, basis=(name, country, address_text))
    company = model.make_entity("Company")
    company.id = key
    for field, values in fields.items():
        prop = FIELDS[field]
        if prop and values:
            company.add(prop, values)
            if len(company.get(prop)) < len(set(values)):
                raise ValueError(f"{field}: a value is not valid ({values[0][:60]!r})")
    address = None
    if address_text:
        address = model.make_entity("Address")
        address.id = f"{key}-address"
        address.add("full", address_text)
        if country:
            address.add("country", country.lower())
        company.add("addressEntity", address.id)
    return company, address


#: Longest key a file may give: it is stored as ``csv-{dataset}-{key}`` in 190 characters.
MAX_KEY = 100


def _row_key(given: list[str], *, dataset: str, basis: tuple[str, str | None, str]) -> str:
    """The row's registry key: the file's own key as given, or (without a key column or with
    an empty cell) a hash of the name's matching key, the country and the address. A key that
    cannot be used as given is a problem of the row, never silently replaced: a later file
    with the same keys must update the same companies."""
    key = (given or [""])[0]
    if key and (len(key) > MAX_KEY or not ftm_types.entity.validate(key)):
        raise ValueError(
            f"key {key[:60]!r} cannot be used: letters, digits, '.' and '-' only,"
            f" at most {MAX_KEY} characters"
        )
    if not key:
        name, country, address_text = basis
        text = f"{name_key(name) or name.lower()}|{country or ''}|{address_text.lower()}"
        key = hashlib.sha256(text.encode()).hexdigest()[:24]
    return f"csv-{_slug(dataset)}-{key}"


def _slug(text: str) -> str:
    """Letters, digits, "." and "-" only, so keys are valid FtM ids as they are."""
    slug = re.sub(r"[^0-9a-z.]+", "-", ascii_text(text).lower()).strip("-.")
    return slug[:80].strip("-.") or "file"


def clean_identifier_or_raise(scheme: str, value: str) -> str:
    try:
        return clean_identifier(scheme, value)
    except Invalid as error:
        raise ValueError(str(error).rstrip(".")) from None


def _read_rows(
    path: Path, mapping: dict[str, str], *, delimiter: str
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=delimiter, strict=True))
    except UnicodeDecodeError:
        raise Invalid(f"{path.name} is not UTF-8 text; save it as CSV UTF-8.") from None
    except csv.Error as error:
        raise Invalid(f"{path.name} is not a CSV file ({error}).") from None
    if not rows:
        raise Invalid(f"{path.name} is empty.")
    header = [column.strip() for column in rows[0]]
    missing = [column for column in mapping.values() if column not in header]
    if missing:
        raise Invalid(
            f"Column {missing[0]!r} is not in {path.name} (columns: {', '.join(header)})."
        )
    return header, list(enumerate(rows[1:], start=2))


def import_companies_csv(
    session: Session,
    *,
    path: Path,
    mapping: dict[str, str],
    dataset: str | None = None,
    strict: bool = False,
    delimiter: str = ",",
    tick: Callable[[], None] = lambda: None,
    on_created: OnCreated | None = None,
) -> ImportReport:
    """Check every row, then (unless ``strict`` found a bad row) write the good ones.
    ``on_created(entity_type, entity_id, row, key)`` hears of every company and address the
    file created (not those it updated): an import run records them to roll them back."""
    report = ImportReport(dataset=dataset or path.name, unit="row")
    header, rows = _read_rows(path, mapping, delimiter=delimiter)
    unmapped = [c for c in header if c and c not in mapping.values()]
    if unmapped:
        report.notes.append(f"Columns not imported: {', '.join(unmapped)}.")
    index = {field: header.index(column) for field, column in mapping.items()}
    sectors = _sector_codes(session)
    good: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for number, cells in rows:
        tick()
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            message = f"{len(cells)} fields, but the header has {len(header)}"
            report.problems.append(Problem(number, message, "row"))
            continue
        fields = {field: _values(field, cells[i]) for field, i in index.items()}
        try:
            company, address = _row_entities(fields, dataset=report.dataset, sectors=sectors)
        except ValueError as error:
            report.problems.append(Problem(number, str(error), "row"))
            continue
        if company.id in first_row_of:
            report.skipped["rows repeating an earlier row"] += 1
            continue
        first_row_of[company.id] = number
        good.append(_Row(number, company, address))
    report.lines = len(rows)
    if strict and report.problems:
        raise BadLines(report.problems, unit="row")
    origin = Origin(dataset=report.dataset, imported_at=utcnow(), kind="csv")
    terms = {
        t.code: t
        for t in session.scalars(
            select(VocabularyTerm).where(VocabularyTerm.vocabulary == "sector")
        )
    }
    for row in good:
        if row.address is not None:
            state = write_address(session, row.address, origin=origin, line=row.number)
            report.written[f"addresses {state}"] += 1
            if on_created is not None and state == "created":
                key = key_of(row.address.id)
                address_id = session.scalars(select(Address.id).where(Address.key == key)).one()
                on_created("address", address_id, row.number, row.address.id)
        written = write_company(session, row.company, origin=origin, line=row.number, sectors=terms)
        report.written[f"companies {written.state}"] += 1
        if on_created is not None and written.state == "created":
            on_created("company", written.company.id, row.number, row.company.id)
    return report
