"""Regions come from pycountry's ISO 3166-2 list, matched and named without surprises."""

from __future__ import annotations

import pytest

from vigil.core.places import match_region, region_name


@pytest.mark.parametrize(
    ("country", "typed", "code"),
    [
        ("CO", "Cauca", "CO-CAU"),
        ("co", "  CAUCA ", "CO-CAU"),
        ("BR", "para", "BR-PA"),  # accents ignored: Pará
        ("BR", "Pará", "BR-PA"),
        ("CO", "co-cau", "CO-CAU"),  # the code itself
        ("BD", "Dhaka", "BD-C"),  # a division and a district: the top level wins
        ("PE", "Cauca", None),  # another country's region
        ("CO", "Cauca, vereda El Palo", None),  # anything more is not a region
        ("CO", "", None),
        ("XX", "Cauca", None),
    ],
)
def test_match_region(country, typed, code):
    assert match_region(country, typed) == code


def test_region_names_are_translated_where_pycountry_can():
    assert region_name("ID-KT", "en") == "Kalimantan Tengah"
    assert region_name("ID-KT", "fr") == "Kalimantan-Centre"
    assert region_name("CO-CAU", "es") == "Cauca"
    assert region_name(None) == region_name("XX-NOPE") == ""
