"""Mapping files, TOML or YAML: the same shape, and every mistake refused before a row is read,
in one line naming the mapping's line where it can."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.imports.incidents.conftest import MAPPING
from vigil.core.errors import Invalid
from vigil.imports.incidents.mapping import check_columns, parse_mapping
from vigil.imports.incidents.vocabulary import Translator, Vocabularies

YAML = """
source:
  name: Red Andina 2015-2020
columns:
  id: ID
  date: {column: Fecha, order: DMY}
  country: País
  attack_type: Agresión
  sector: Sector
values:
  attack_type:
    asesinato selectivo: killing
    Amenaza: death_threat
  sector:
    "Mining & Extractives": mining
"""


def test_toml_and_yaml_say_the_same():
    toml = parse_mapping(MAPPING, name="map.toml")
    yaml = parse_mapping(YAML, name="map.yaml")

    assert yaml.source_name == toml.source_name == "Red Andina 2015-2020"
    assert yaml.columns["date"].order == toml.columns["date"].order == "DMY"
    assert yaml.columns["country"].column == "País"
    assert yaml.values["attack_type"] == {
        "asesinato selectivo": "killing",
        "amenaza": "death_threat",
    }
    assert yaml.values["sector"] == toml.values["sector"] == {"mining & extractives": "mining"}
    assert (toml.status, toml.source_kind) == ("received", "other")


BASE = '[columns]\ncountry = "País"\nattack_type = "Agresión"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + 'atack_type = "X"\n', "Mapping line 4: unknown field 'atack_type'"),
        (BASE + 'date = "Fecha"\n', "Mapping line 4: say how the dates are written"),
        (
            BASE + 'date = { column = "Fecha", order = "DDMMYY" }\n',
            "Mapping line 4: order must be one of DMY, MDY, YMD",
        ),
        (
            BASE + 'date = { column = "F", order = "DMY", format = "%d" }\n',
            "Mapping line 4: say how the dates are written",
        ),
        (BASE + 'year = "Año"\nday = "Día"\n', "Mapping line 5: day needs a month column too"),
        (
            BASE + 'date = { column = "F", order = "DMY" }\nyear = "Año"\n',
            "map either date or year/month/day",
        ),
        (BASE + 'sector = { column = "S", split = ";" }\n', "split applies to"),
        ('[columns]\ncountry = "País"\n', "[columns] needs attack_type"),
        ("[columns]\n", "[columns] is missing"),
        (BASE + '[values.sector]\n"Minería" = "mining"\n', "Mapping line 4: [values.sector]"),
        (BASE + '[values.title]\n"x" = "y"\n', "Mapping line 4: [values.title]: 'title' takes no"),
        (BASE + '[values.attack_type]\n"a" = 3\n', "Mapping line 5: 'a' must map to a code"),
        ('[source]\nstatus = "active"\n' + BASE, "Mapping line 2: status must be one of"),
        ('[source]\nkind = "rumour"\n' + BASE, "Mapping line 2: kind must be one of"),
        ('[source]\ndelimiter = ";;"\n' + BASE, "delimiter must be one character"),
        ("[colums]\n", "Mapping line 1: unknown table 'colums'"),
        ('[columns\ncountry = "X"', "Mapping: not valid TOML"),
    ],
)
def test_mistakes_are_refused_with_their_line(text, message):
    with pytest.raises(Invalid) as raised:
        parse_mapping(text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_yaml_syntax_error_names_its_line():
    with pytest.raises(Invalid, match="Mapping line 3:"):
        parse_mapping("columns:\n  country: País\n  attack_type: [Agresión\n", name="m.yml")


def test_columns_must_be_in_the_file():
    mapping = parse_mapping(BASE + 'victim_name = "Nombre completo"\n')
    with pytest.raises(Invalid) as raised:
        check_columns(mapping, ["País", "Agresión"])
    assert str(raised.value).startswith(
        "Mapping line 4: column 'Nombre completo' (victim_name) is not in the file"
    )


def test_columns_match_ignoring_case_accents_and_spaces():
    mapping = parse_mapping(BASE)
    assert check_columns(mapping, ["pais ", "AGRESION", "Otro"]) == {
        "country": "pais ",
        "attack_type": "AGRESION",
    }


def test_unknown_codes_are_refused_with_a_suggestion(session):
    mapping = parse_mapping(BASE + '[values.attack_type]\n"asesinato" = "killings"\n')
    translator = Translator(session, mapping, Vocabularies.load(session))
    with pytest.raises(Invalid) as raised:
        translator.check_codes()
    assert str(raised.value) == (
        "Mapping line 5: 'killings' is not a code of the attack_type vocabulary "
        "(did you mean 'killing'?)."
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[values.country]\n"Narnia" = "NA1"\n', "'NA1' is not an ISO 3166-1 country code"),
        ('[values.region]\n"Cauca" = "CO-XXX"\n', "'CO-XXX' is not an ISO 3166-2 region code"),
        ('[values.company]\n"ACME" = "No Such Company Ltd"\n', "no company named or keyed"),
    ],
)
def test_places_and_companies_in_value_tables_must_exist(session, table, message):
    columns = 'region = "Región"\ncompany = "Empresa"\n'
    mapping = parse_mapping(BASE + columns + table)
    translator = Translator(session, mapping, Vocabularies.load(session))
    with pytest.raises(Invalid, match=message):
        translator.check_codes()


EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "imports"


@pytest.mark.parametrize("name", ["red-andina.toml", "global-dataset.yaml"])
def test_the_documented_examples_are_valid(session, name):
    from vigil.companies.matching import name_key
    from vigil.companies.models import Company, CompanyName

    company = Company(name="Minera Andina del Cauca S.A.S.")  # the demo's fictional company
    company.names.append(CompanyName(name=company.name, normalized=name_key(company.name)))
    session.add(company)
    session.flush()
    path = EXAMPLES / name
    mapping = parse_mapping(path.read_text(encoding="utf-8"), name=name)
    Translator(session, mapping, Vocabularies.load(session)).check_codes()
    assert mapping.columns["attack_type"] and mapping.values["attack_type"]
    assert name in (EXAMPLES / "README.md").read_text(encoding="utf-8")
