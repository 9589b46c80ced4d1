"""The register's filters and order: the one query every public list of incidents (pages,
API, exports, feeds) starts from, so a filter means the same thing everywhere.

It reads the de-identified register tables only (:mod:`vigil.public.register_models`).
Filter values are checked against the controlled vocabularies' seed file and pycountry, not
the database, so a bad query string is refused (``Invalid``, a 400 page) before any query
runs, and constructing filters needs no session.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date

import pycountry
from sqlalchemy import Select, exists, select, true, tuple_

from vigil.core.errors import Invalid
from vigil.core.i18n import gettext
from vigil.core.places import country_codes
from vigil.public.register_models import (
    LabelKind,
    PublicIncident,
    PublicIncidentLabel,
    ResponseStatus,
)
from vigil.vocabularies.service import read_seed_terms

#: Newest first; ``id`` breaks ties so keyset pagination never skips or repeats a row.
REGISTER_ORDER = (PublicIncident.sort_date.desc(), PublicIncident.id.desc())

#: Messages for an unknown vocabulary code (a function each: translated when raised).
UNKNOWN_TERM = {
    "sector": lambda: gettext("Unknown sector: %(value)s."),
    "attack_type": lambda: gettext("Unknown type of attack: %(value)s."),
    "defender_type": lambda: gettext("Unknown type of defender: %(value)s."),
}

#: The years a filter may ask for (a wider value is a typo, not a question).
FIRST_YEAR = 1900
LAST_YEAR = 2200
#: A word, as the register batch cuts ``search_text`` into words.
WORD = re.compile(r"\w+")
#: More words than this in the search box is not a search (and would cost a LIKE each).
MAX_SEARCH_WORDS = 10
MAX_SEARCH_LENGTH = 200


@functools.cache
def vocabulary_codes(vocabulary: str) -> frozenset[str]:
    """The codes of a controlled vocabulary, from its seed file (codes are never removed)."""
    return frozenset(row["code"] for row in read_seed_terms() if row["vocabulary"] == vocabulary)


def fold_text(text: str) -> str:
    """Lower case, no accents, single spaces: how ``search_text`` is stored and searched."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_words(q: str) -> list[str]:
    """The distinct folded words of a search, in order, split as the batch splits
    ``search_text`` ("Minera-Andina" is two words); each must occur in it."""
    return list(dict.fromkeys(WORD.findall(fold_text(q))))


@dataclass(frozen=True)
class RegisterFilters:
    """What a reader asked the register for; "" / None means "any". Every value is checked
    on construction (``Invalid`` names the bad one), so a query built from it is safe."""

    country: str = ""
    region: str = ""
    sector: str = ""
    attack_type: str = ""
    defender_type: str = ""
    year: int | None = None
    company_id: int | None = None
    response_status: str = ""
    q: str = ""

    def __post_init__(self) -> None:
        if self.country and self.country not in country_codes():
            raise Invalid(gettext("Unknown country: %(value)s.") % {"value": self.country})
        if self.region:
            _check_region(self.region, self.country)
        for vocabulary in ("sector", "attack_type", "defender_type"):
            value = getattr(self, vocabulary)
            if value and value not in vocabulary_codes(vocabulary):
                raise Invalid(UNKNOWN_TERM[vocabulary]() % {"value": value})
        if self.year is not None and not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise Invalid(
                gettext("A year must be between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        if self.company_id is not None and not 0 < self.company_id < 2**63:
            raise Invalid(gettext("Unknown company."))
        if self.response_status and self.response_status not in set(ResponseStatus):
            raise Invalid(
                gettext("Unknown response status: %(value)s.") % {"value": self.response_status}
            )
        if len(self.q) > MAX_SEARCH_LENGTH or "\x00" in self.q:
            raise Invalid(
                gettext("A search may hold at most %(n)s characters.") % {"n": MAX_SEARCH_LENGTH}
            )
        if len(search_words(self.q)) > MAX_SEARCH_WORDS:
            raise Invalid(
                gettext("A search may hold at most %(n)s words.") % {"n": MAX_SEARCH_WORDS}
            )

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> RegisterFilters:
        """Filters from a query string (a form's GET): trims, upper-cases country and region
        codes, parses the numbers; ignores unknown keys; ``Invalid`` for a bad value."""
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = (params.get(field.name) or "").strip()
            if field.name in {"year", "company_id"}:
                values[field.name] = _parse_int(raw)
            elif field.name in {"country", "region"}:
                values[field.name] = raw.upper()
            elif field.name == "q":
                values[field.name] = " ".join(raw.split())
            else:
                values[field.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def as_query(self) -> dict[str, str]:
        """The non-empty filters as query-string pairs (links keep the reader's filters)."""
        pairs = {field.name: getattr(self, field.name) for field in fields(self)}
        return {key: str(value) for key, value in pairs.items() if value not in ("", None)}

    @property
    def is_empty(self) -> bool:
        return not self.as_query()


def _parse_int(raw: str) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise Invalid(gettext("Please give a whole number: %(value)s.") % {"value": raw[:40]})
    return int(raw)


def _check_region(region: str, country: str) -> None:
    subdivision = pycountry.subdivisions.get(code=region)
    if subdivision is None:
        raise Invalid(gettext("Unknown region: %(value)s.") % {"value": region})
    if country and subdivision.country_code != country:
        raise Invalid(
            gettext("The region %(region)s is not in the country %(country)s.")
            % {"region": region, "country": country}
        )


#: A cursor is 20 hex digits: the day (its ordinal, 6 digits) and the row id (14 digits) of a
#: row at a page's edge. Opaque to readers (only ever taken from a link); every string of this
#: shape is a position, so a well-formed cursor never fails. Pages, the API and the exports
#: page with the same cursor.
CURSOR_PATTERN = "^[0-9a-f]{20}$"


@dataclass(frozen=True)
class Cursor:
    """A position in :data:`REGISTER_ORDER`: one row's (sort_date, id)."""

    sort_date: date
    id: int

    @classmethod
    def of(cls, row: PublicIncident) -> Cursor:
        return cls(row.sort_date, row.id)

    def encode(self) -> str:
        return f"{self.sort_date.toordinal():06x}{self.id:014x}"

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The position a link gave; ``Invalid`` for anything not of its shape."""
        if re.fullmatch(CURSOR_PATTERN, token) is None:
            raise Invalid(gettext("This page link is not valid; start again from the first page."))
        ordinal = min(max(int(token[:6], 16), 1), date.max.toordinal())
        # Row ids are 32-bit on PostgreSQL: a larger one (never issued) is the largest.
        return cls(sort_date=date.fromordinal(ordinal), id=min(int(token[6:], 16), 2**31 - 1))


def _position():  # type: ignore[no-untyped-def]
    return tuple_(PublicIncident.sort_date, PublicIncident.id)


def older_than(cursor: Cursor | None):  # type: ignore[no-untyped-def]
    """Rows after ``cursor`` in the register's order (older), or every row for None."""
    if cursor is None:
        return true()
    return _position() < tuple_(cursor.sort_date, cursor.id)


def newer_than(cursor: Cursor):  # type: ignore[no-untyped-def]
    """Rows before ``cursor`` in the register's order (newer: the previous page)."""
    return _position() > tuple_(cursor.sort_date, cursor.id)


def _has_label(kind: LabelKind, code: str):  # type: ignore[no-untyped-def]
    return exists().where(
        PublicIncidentLabel.public_incident_id == PublicIncident.id,
        PublicIncidentLabel.kind == kind,
        PublicIncidentLabel.code == code,
    )


def filtered_incidents(filters: RegisterFilters) -> Select[PublicIncident]:
    """The register rows matching every filter, in :data:`REGISTER_ORDER`. Callers add their
    own keyset/limit (``.where(...)`` then ``.limit(...)``) or wrap it for a count."""
    query = select(PublicIncident)
    if filters.country:
        query = query.where(PublicIncident.country == filters.country)
    if filters.region:
        query = query.where(PublicIncident.region == filters.region)
    if filters.sector:
        query = query.where(PublicIncident.sector == filters.sector)
    if filters.year is not None:
        query = query.where(PublicIncident.year == filters.year)
    if filters.response_status:
        query = query.where(PublicIncident.response_status == filters.response_status)
    if filters.attack_type:
        query = query.where(_has_label(LabelKind.attack_type, filters.attack_type))
    if filters.defender_type:
        query = query.where(_has_label(LabelKind.defender_type, filters.defender_type))
    if filters.company_id is not None:
        query = query.where(_has_label(LabelKind.company, str(filters.company_id)))
    for word in search_words(filters.q):
        query = query.where(PublicIncident.search_text.contains(word, autoescape=True))
    return query.order_by(*REGISTER_ORDER)
