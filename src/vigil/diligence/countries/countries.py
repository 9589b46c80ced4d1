"""Country codes as published sources write them, resolved to ISO 3166-1 alpha-2."""

from __future__ import annotations

import functools

import countrynames
import pycountry

from vigil.core.places import country_codes


@functools.cache
def resolve_country(text: str) -> str | None:
    """Alpha-2 ("CO"), alpha-3 in any case ("COL", the DDF's "col"), or an English name
    ("Colombia", "Congo, Dem. Rep.") as the indices spell them; None when it is none of
    these or names no country Vigil knows (World Bank aggregates such as "LCN", Kosovo's
    "XKX", which ISO 3166-1 does not list)."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if cleaned.isalpha() and len(cleaned) in (2, 3):
        key = "alpha_2" if len(cleaned) == 2 else "alpha_3"
        found = pycountry.countries.get(**{key: cleaned.upper()})
        # A code, not a name (no country's name is 2 or 3 letters): never guess from it.
        return found.alpha_2 if found is not None else None
    code = countrynames.to_code(cleaned)
    return code if code in country_codes() else None
