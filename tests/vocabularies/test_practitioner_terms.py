"""The vocabularies practitioners use (issue 18 point 9), seeded on SQLite and PostgreSQL with
a label in every supported language."""

from __future__ import annotations

import pytest

from vigil.vocabularies.service import list_terms, read_seed_terms

LOCALES = ("en", "es", "fr", "pt")

PRACTITIONER_TERMS = {
    "attack_type": (
        "threat_family",  # attacks on family members
        "forced_displacement",
        "official_stigmatisation",
        "online_harassment",
        "gender_based_harassment",
        "administrative_harassment",
        "protest_repression",
        "community_division",
        "extortion",
        "equipment_confiscation",
    ),
    "defender_type": (
        "afro_descendant",
        "campesino",
        "migrant_worker",
        "indigenous_authority",
        "community_guard",
    ),
    "perpetrator_type": (
        "contractor",
        "project_aligned_group",
        "landowner",
        "hitman",
        "national_officials",
        "prosecutors",
    ),
}


@pytest.mark.parametrize("vocabulary", sorted(PRACTITIONER_TERMS))
def test_the_practitioner_terms_are_seeded_in_every_language(session, vocabulary):  # type: ignore[no-untyped-def]
    terms = {t.code: t for t in list_terms(session, vocabulary=vocabulary)}
    for code in PRACTITIONER_TERMS[vocabulary]:
        assert code in terms, code
        labels = [terms[code].label(locale) for locale in LOCALES]
        assert all(label.strip() for label in labels), code
        # A real translation, not the English label copied (names like "Extortion" aside).
        assert len(set(labels)) > 1, code


def test_criminal_charges_read_as_criminalizacion_in_spanish(session):  # type: ignore[no-untyped-def]
    terms = {t.code: t for t in list_terms(session, vocabulary="attack_type")}
    assert terms["judicial_criminal"].label("es").startswith("Criminalización")


def test_prosecutors_are_apart_from_judges(session):  # type: ignore[no-untyped-def]
    terms = {t.code: t for t in list_terms(session, vocabulary="perpetrator_type")}
    assert "prosecutor" not in terms["judiciary_prosecutors"].label("en").lower()
    assert terms["prosecutors"].label("es") == "Fiscalía"


def test_other_and_unknown_stay_last_in_the_lists(session):  # type: ignore[no-untyped-def]
    assert list_terms(session, vocabulary="defender_type")[-1].code == "other"
    assert list_terms(session, vocabulary="perpetrator_type")[-1].code == "unknown"


def test_no_code_is_seeded_twice():
    keys = [(row["vocabulary"], row["code"]) for row in read_seed_terms()]
    assert len(keys) == len(set(keys))
    assert all(all(row[loc].strip() for loc in LOCALES) for row in read_seed_terms())
