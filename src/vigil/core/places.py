"""Countries and regions. Countries are pycountry's ISO 3166-1 alpha-2 codes, named by Babel
(CLDR) in the reader's language; CLDR's own territory list also holds groupings and
pseudo-regions ("Eurozone", "Pseudo-Accents", "Outlying Oceania") that no one lives in, so it
is never offered as a list. Regions are ISO 3166-2 subdivision codes from pycountry.

An incident's region is stored in clear and said in alert messages, so it may only ever be a
code from this list (``CO-CAU``), never free text: whatever a reporter types about a place
("the path behind the school in La Esperanza") stays sealed with their report. The code is
shown as the subdivision's name, translated where pycountry has a translation.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import unicodedata
from functools import lru_cache

import pycountry
from babel import Locale

from vigil.core.errors import Invalid


@functools.cache
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of real countries and territories (pycountry's list)."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


def country_name(code: str, language: str = "en") -> str:
    """The country's name in ``language`` (CLDR's), else pycountry's English name, else the
    code as given."""
    code = code.upper()
    name = Locale.parse(language).territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return country.name if country else code


@functools.cache
def country_choices(language: str = "en") -> tuple[tuple[str, str], ...]:
    """(code, name) of every country, sorted by name as a reader of ``language`` expects
    (Åland Islands next to Albania, not after Zimbabwe)."""
    named = ((code, country_name(code, language)) for code in country_codes())
    return tuple(sorted(named, key=lambda pair: (_folded(pair[1]), pair[0])))


@functools.cache
def region_choices(country: str, language: str = "en") -> tuple[tuple[str, str], ...]:
    """(ISO 3166-2 code, name) of the country's subdivisions, sorted by name; one inside
    another says which (a French department names its region)."""
    subdivisions = pycountry.subdivisions.get(country_code=country.upper()) or []
    names = {s.code: _translated(s.name, language) for s in subdivisions}
    named = [
        (
            s.code,
            f"{names[s.code]} ({names[s.parent_code]})"
            if s.parent_code in names
            else names[s.code],
        )
        for s in subdivisions
    ]
    return tuple(sorted(named, key=lambda pair: (_folded(pair[1]), pair[0])))


def region_of(country: str, code: str | None) -> str | None:
    """The subdivision code if it belongs to ``country``, else None (no exception: a form
    asks again)."""
    try:
        return check_region(country, code) if country else None
    except Invalid:
        return None


def region_label(value: str | None, language: str = "en") -> str:
    """What a stored region says: the subdivision's name for an ISO 3166-2 code, the text as
    written for an older free-text answer."""
    return region_name(value.strip().upper(), language) or value if value else ""


def _folded(text: str) -> str:
    """Lower case, no accents, single spaces: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def check_region(country: str, code: str | None) -> str | None:
    """The subdivision code, upper-cased, if it belongs to ``country``; None if empty."""
    code = (code or "").strip().upper()
    if not code:
        return None
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None or subdivision.country_code != country.upper():
        raise Invalid(
            "A region must be an ISO 3166-2 subdivision code of the incident's country, "
            "e.g. CO-CAU."
        )
    return subdivision.code


def match_region(country: str, text: str | None) -> str | None:
    """The subdivision of ``country`` that ``text`` names exactly (ignoring case and accents,
    or its code), preferring a top-level one; None when there is none or it is ambiguous.
    Anything else a reporter wrote stays in their sealed answers only."""
    wanted = _folded(text or "")
    if not wanted:
        return None
    subdivisions = pycountry.subdivisions.get(country_code=country.upper()) or []
    found = [s for s in subdivisions if wanted in {_folded(s.name), _folded(s.code)}]
    top_level = [s for s in found if s.parent_code is None]
    found = top_level or found
    return found[0].code if len(found) == 1 else None


@lru_cache(maxsize=8)
def _catalogue(language: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(
        "iso3166-2", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def _translated(name: str, language: str) -> str:
    return _catalogue(language).gettext(name)


def region_name(code: str | None, language: str = "en") -> str:
    """The subdivision's name in ``language`` (English when pycountry has no translation);
    an empty string for no region or a code that is not in the list."""
    subdivision = pycountry.subdivisions.get(code=code) if code else None
    return _translated(subdivision.name, language) if subdivision else ""


def top_level_region(code: str | None) -> str | None:
    """The top-level subdivision that contains ``code`` (``FR-01`` → ``FR-ARA``; ``CO-CAU``
    stays ``CO-CAU``): what a generalised alert says instead of a department, province or
    borough that may hold only a few villages. None for no region or an unknown code."""
    subdivision = pycountry.subdivisions.get(code=code) if code else None
    seen: set[str] = set()
    while subdivision is not None and subdivision.parent_code and subdivision.code not in seen:
        seen.add(subdivision.code)
        parent = pycountry.subdivisions.get(code=subdivision.parent_code)
        if parent is None:
            break
        subdivision = parent
    return subdivision.code if subdivision else None
