"""Country and region names in several languages and eras, to ISO codes; unknown stays
unknown rather than guessed."""

from __future__ import annotations

import pytest

from vigil.imports.values.countries import resolve_country, resolve_region


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Colombia", "CO"),
        ("Colombie", "CO"),
        ("Kolumbien", "CO"),
        ("  COLOMBIA ", "CO"),
        ("Brasil", "BR"),
        ("Perú", "PE"),
        ("peru", "PE"),
        ("Estados Unidos", "US"),
        ("Filipinas", "PH"),
        ("Burma", "MM"),
        ("Swaziland", "SZ"),
        ("Ivory Coast", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("COTE D'IVOIRE", "CI"),
        ("Holland", "NL"),
        ("Zaire", "CD"),  # withdrawn ZRCD: its one successor
        ("East Germany", "DE"),
        ("Kosovo", "XK"),
        ("co", "CO"),
        ("COL", "CO"),
        ("hnd", "HN"),
    ],
)
def test_a_country_name_in_any_language_or_era_or_a_code_resolves(name: str, code: str) -> None:
    assert resolve_country(name) == code


@pytest.mark.parametrize("name", ["", "   ", None, "Atlantis", "USSR", "Yugoslavia", "XX"])
def test_an_unknown_or_split_country_stays_unresolved(name: str | None) -> None:
    assert resolve_country(name) is None


@pytest.mark.parametrize(
    ("country", "name", "code"),
    [
        ("CO", "Cauca", "CO-CAU"),
        ("CO", "CAUCA", "CO-CAU"),
        ("co", "cauca", "CO-CAU"),
        ("CO", "Valle del Cauca", "CO-VAC"),
        ("CO", "Caqueta", "CO-CAQ"),
        ("CO", "CAU", "CO-CAU"),
        ("CO", "CO-CAU", "CO-CAU"),
        ("BR", "sao paulo", "BR-SP"),
        ("BE", "Région wallonne", "BE-WAL"),
        ("PH", "Western Visayas", "PH-06"),
        ("GT", "Guatemala", "GT-01"),
    ],
)
def test_a_region_resolves_ignoring_case_and_accents(country: str, name: str, code: str) -> None:
    assert resolve_region(country, name) == code


@pytest.mark.parametrize(
    ("country", "name"),
    [("CO", "Atlantis"), ("CO", ""), ("CO", None), ("PE", "Cauca"), ("", "Cauca"), ("ZZ", "X")],
)
def test_an_unknown_region_stays_unresolved(country: str, name: str | None) -> None:
    assert resolve_region(country, name) is None
