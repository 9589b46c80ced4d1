"""A file's word becomes a Vigil code only when it is the same word as a mapping entry, a code
or a label in any language (case, accents and spacing aside): nothing is guessed from a near
spelling."""

from __future__ import annotations

import pytest

from tests.imports.incidents.conftest import ROWS, write_csv
from vigil.imports.incidents.mapping import parse_mapping
from vigil.imports.incidents.vocabulary import Translator, Vocabularies

MAPPING = parse_mapping(
    '[columns]\ncountry = "País"\nattack_type = "Agresión"\nsector = "Sector"\n'
    '[values.attack_type]\n"homicidio" = "killing"\n"sin dato" = ""\n'
    '[values.sector]\n"Mining & Extractives" = "mining"\n'
)


@pytest.fixture
def translator(session) -> Translator:
    return Translator(session, MAPPING, Vocabularies.load(session))


@pytest.mark.parametrize(
    ("field", "word", "code"),
    [
        ("attack_type", "killing", "killing"),  # a code
        ("attack_type", "Killing", "killing"),  # the English label
        ("attack_type", "ASESINATO", "killing"),  # the Spanish label, any case
        ("attack_type", "  meurtre ", "killing"),  # French, spaces around
        ("attack_type", "Amenaza de muerte", "death_threat"),
        ("attack_type", "amenaza de MUERTE", "death_threat"),
        ("attack_type", "Ameaça de morte", "death_threat"),  # Portuguese
        ("attack_type", "ameaca de morte", "death_threat"),  # accents aside
        ("attack_type", "death threat", "death_threat"),  # the code with spaces
        ("attack_type", "Homicidio", "killing"),  # the mapping's own entry
        ("attack_type", "HOMICÍDIO", "killing"),
        ("attack_type", "Sin dato", ""),  # mapped to nothing said
        ("attack_type", "", ""),
        ("sector", "mining & extractives", "mining"),
        ("sector", "Minería", "mining"),
    ],
)
def test_same_words_are_matched(translator, field, word, code):
    assert translator.term(field, word).code == code


@pytest.mark.parametrize(
    "word", ["asesinatos", "asesinato selectivo", "kill", "Mining and Extractives", "mining;"]
)
def test_near_spellings_are_not_guessed(translator, word):
    field = "sector" if "ining" in word else "attack_type"
    assert translator.term(field, word).unmapped


def test_unmapped_values_are_listed_with_counts_and_first_lines(run_import, tmp_path):
    unknown = ["", "Colombia", "", "", "", "", "", "Desplazamiento", "", "", "", ""]
    rows = [*ROWS, *([f"U-{n}", *unknown] for n in range(7))]
    rows.append(["Z-1", "", "Narnia", "", "", "", "", "", "asesinato", "Pesca ilegal", "", "", ""])
    path = write_csv(tmp_path / "unmapped.csv", rows)

    report = run_import(path, dry_run=True)

    listed = {(e.field, e.value): (e.count, e.lines, e.column) for e in report.unmapped.values()}
    assert listed == {
        ("attack_type", "desplazamiento"): (8, [6, 8, 9, 10, 11], "Agresión"),
        ("country", "Narnia"): (1, [15], "País"),
        ("sector", "Pesca ilegal"): (1, [15], "Sector"),
    }
    assert report.unmapped_rows == 9
    text = report.render_text()
    assert (
        "attack_type      'desplazamiento'                    8 rows  (lines 6, 8, 9, 10, 11…)"
        in text
    )
    as_json = report.as_json()
    assert as_json["unmapped"] == 9 and as_json["would_create"] == 4
    assert {
        "field": "country",
        "value": "Narnia",
        "column": "País",
        "count": 1,
        "first_lines": [15],
    } in as_json["unmapped_values"]
