"""Country and region names, as sources write them, to ISO 3166 codes.

Names come in every language and era ("Kolumbien", "Burma", "Zaire", "Swaziland"): the
well-kept tables of ``countrynames`` (names in many languages, old names) and ``pycountry``
(ISO 3166-1 codes, ISO 3166-3 withdrawn codes, ISO 3166-2 subdivisions and their names in
other languages) decide. Nothing is fuzzy-matched: what they do not know, or what could mean
several places, stays unresolved (``None``) so the importer lists it for a person to map.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import countrynames
import pycountry

#: Kosovo's user-assigned code, used by the UN, the EU and most datasets of attacks.
EXTRA_CODES = frozenset({"XK"})
#: Languages whose subdivision names (pycountry's ISO 3166-2 translations) are recognised.
REGION_LANGUAGES = ("en", "es", "fr", "pt")


def resolve_country(name: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 code of ``name`` (a name in any language, an old name, an
    alpha-2 or alpha-3 code; any case or accents), or ``None`` when unknown or empty.

    An old country with one successor is that successor, as ISO 3166-3 records it (Zaire,
    withdrawn code ZRCD → CD); one that split into several (USSR, SUHH) is ``None``.
    """
    text = " ".join((name or "").split())
    if not text:
        return None
    for spelling in dict.fromkeys((text, _fold(text))):
        code = _current(countrynames.to_code(spelling))
        if code:
            return code
        try:
            return _current(pycountry.countries.lookup(spelling).alpha_2)
        except LookupError:
            pass
    return None


def _current(code: str | None) -> str | None:
    """``code`` if it is a current country; the successor of a withdrawn one (the last two
    letters of its ISO 3166-3 four-letter code) if that is current; else ``None``."""
    if not code:
        return None
    code = code.upper()
    if code in EXTRA_CODES or (len(code) == 2 and pycountry.countries.get(alpha_2=code)):
        return code
    field = "alpha_4" if len(code) == 4 else "alpha_2"
    withdrawn = pycountry.historic_countries.get(**{field: code})
    successor = withdrawn.alpha_4[2:] if withdrawn else ""
    return successor if pycountry.countries.get(alpha_2=successor) else None


def resolve_region(country_code: str, name: str | None) -> str | None:
    """The ISO 3166-2 code of the subdivision ``name`` of ``country_code`` ("Cauca" in CO →
    "CO-CAU"), ignoring case, accents and punctuation; its code ("CAU", "CO-CAU") and its
    name in en/es/fr/pt are read too. ``None`` when unknown, and when several subdivisions
    share the name at the same level (a top-level one wins over a lower one)."""
    folded = _fold(name or "")
    if not folded or not country_code:
        return None
    candidates = _region_index(country_code.upper()).get(folded, ())
    if len(candidates) > 1:
        candidates = tuple(code for code in candidates if _is_top_level(code))
    return candidates[0] if len(candidates) == 1 else None


def _is_top_level(code: str) -> bool:
    subdivision = pycountry.subdivisions.get(code=code)
    return subdivision is not None and subdivision.parent_code is None


@cache
def _region_index(country_code: str) -> dict[str, tuple[str, ...]]:
    """Every folded spelling of the country's subdivisions → their codes, built once per
    country: the ISO name, its part before a comma or a parenthesis ("Western Visayas (Region
    VI)"), its parts swapped around a comma ("wallonne, Région" → "Région wallonne"), its
    translations, and the code with and without the country prefix."""
    index: dict[str, set[str]] = {}
    translations = [_translator(language) for language in REGION_LANGUAGES]
    for subdivision in pycountry.subdivisions.get(country_code=country_code) or ():
        names = {subdivision.name, subdivision.code, subdivision.code.split("-", 1)[1]}
        names.update(translate(subdivision.name) for translate in translations)
        for spelling in list(names):
            names.add(re.split(r"[,(]", spelling)[0])
            if spelling.count(",") == 1:
                before, after = spelling.split(",")
                names.add(f"{after} {before}")
        for spelling in names:
            if folded := _fold(spelling):
                index.setdefault(folded, set()).add(subdivision.code)
    return {spelling: tuple(sorted(codes)) for spelling, codes in index.items()}


def _translator(language: str):
    return gettext.translation(
        "iso3166-2", pycountry.LOCALES_DIR, languages=[language], fallback=True
    ).gettext


def _fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "Côte d'Ivoire" → "cote d ivoire"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())
