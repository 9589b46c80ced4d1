"""`vigil import companies`: a spreadsheet with a column mapping, bad rows with their row
numbers, strict mode, and a real supplier list (Open Supply Hub, 351 facilities)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vigil.companies.csv_import import import_companies_csv, parse_mapping
from vigil.companies.ftm_import import BadLines
from vigil.companies.models import Address, Company, CompanyIdentifier, CompanyName
from vigil.core.errors import Invalid

OSH = Path(__file__).resolve().parent.parent / "data" / "open-supply-hub"
OSH_LIST = OSH / "Winter 2019 Compliance List V2.csv"
MAPPING = (
    "name=Company Name,jurisdiction=Country,legal_form=Form,lei=LEI,"
    "alias=Also known as,sector=Sector,website=Web,address=Address"
)
ROWS = [
    # header is row 1
    ["Company Name", "Country", "Form", "LEI", "Also known as", "Sector", "Web", "Address", "x"],
    [
        "Minera Andina del Cauca",
        "Colombia",
        "S.A.S.",
        "",
        "MADC|Minera Andina",
        "Minería",
        "",
        "Calle 5, Popayán",
        "",
    ],  # row 2
    [
        "Helvetia Precious Metals",
        "CH",
        "AG",
        "5493001KJTIIGC8Y1R12",
        "",
        "mining|Refining",
        "helvetia.example",
        "",
        "",
    ],  # row 3
    ["", "PE", "", "", "", "", "", "", ""],  # row 4: no name
    ["Bad Country Ltd", "Atlantis", "", "", "", "", "", "", ""],  # row 5
    ["Bad LEI plc", "GB", "", "123", "", "", "", "", ""],  # row 6
    ["Too Short"],  # row 7: wrong number of fields
    ["", "", "", "", "", "", "", "", ""],  # row 8: empty, ignored
    ["Minera Andina del Cauca", "CO", "S.A.S.", "", "", "", "", "Calle 5, Popayán", ""],  # row 9
    ["Bad Web SA", "PE", "", "", "", "", "javascript:alert(1)", "", ""],  # row 10
]


def write_csv(tmp_path: Path, rows: list[list[str]] = ROWS) -> Path:
    path = tmp_path / "suppliers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_mapping_is_parsed_and_mistakes_are_explained():
    assert parse_mapping(["name=Company Name, jurisdiction = Country", "lei=LEI"]) == {
        "name": "Company Name",
        "jurisdiction": "Country",
        "lei": "LEI",
    }
    for bad, message in (
        (["jurisdiction=Country"], "which column holds the name"),
        (["name=A,colour=B"], "unknown field 'colour'"),
        (["name"], "is not FIELD=COLUMN"),
        (["name=A,name=B"], "mapped twice"),
    ):
        with pytest.raises(Invalid, match=message):
            parse_mapping(bad)


def test_rows_are_imported_with_the_mapping_and_bad_rows_reported(session, tmp_path):
    path = write_csv(tmp_path)
    report = import_companies_csv(session, path=path, mapping=parse_mapping([MAPPING]))

    assert [str(p) for p in report.problems] == [
        "row 4: no name (or longer than 300 characters)",
        "row 5: 'Atlantis' is not a country",
        "row 6: “123” is not a valid LEI (20 characters with check digits)",
        "row 7: 1 fields, but the header has 9",
        "row 10: 'javascript:alert(1)' is not a web address",
    ]
    assert report.skipped == {"rows repeating an earlier row": 1}  # row 9 is row 2 again
    assert report.notes == ["Columns not imported: x."]
    assert report.written == {"companies created": 2, "addresses created": 1}
    assert report.summary().endswith("; 5 bad rows.")

    minera = session.scalars(select(Company).where(Company.name == "Minera Andina del Cauca")).one()
    assert (minera.jurisdiction, minera.legal_form) == ("CO", "S.A.S.")
    assert {n.name for n in minera.names} == {"Minera Andina del Cauca", "MADC", "Minera Andina"}
    assert [t.code for t in minera.sectors] == ["mining"]  # "Minería" is a label of "mining"
    assert [a.full for a in minera.addresses] == ["Calle 5, Popayán"]
    assert minera.addresses[0].country == "CO"
    assert (minera.source_dataset, minera.source_line) == ("suppliers.csv", 2)
    assert minera.key.startswith("csv-suppliers.csv-")
    helvetia = session.scalars(select(Company).where(Company.jurisdiction == "CH")).one()
    assert helvetia.website == "http://helvetia.example/"
    assert [(i.scheme, i.value) for i in helvetia.identifiers] == [("lei", "5493001KJTIIGC8Y1R12")]
    assert json.loads(helvetia.ftm_properties) == {"sector": ["Refining"]}

    again = import_companies_csv(session, path=path, mapping=parse_mapping([MAPPING]))
    assert again.written == {"companies unchanged": 2, "addresses unchanged": 1}
    assert session.scalar(select(func.count()).select_from(Company)) == 2


def test_strict_imports_nothing_when_a_row_is_bad(session, tmp_path):
    with pytest.raises(BadLines, match="5 bad rows; nothing imported"):
        import_companies_csv(
            session, path=write_csv(tmp_path), mapping=parse_mapping([MAPPING]), strict=True
        )
    assert session.scalar(select(func.count()).select_from(Company)) == 0


def test_missing_columns_and_unreadable_files_are_user_mistakes(session, tmp_path):
    path = write_csv(tmp_path)
    with pytest.raises(Invalid, match=r"Column 'Name' is not in suppliers\.csv"):
        import_companies_csv(session, path=path, mapping={"name": "Name"})
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("name\nQuímica\n".encode("latin-1"))
    with pytest.raises(Invalid, match="not UTF-8"):
        import_companies_csv(session, path=latin1, mapping={"name": "name"})


def test_open_supply_hub_list_imports_whole_and_again_unchanged(session):
    mapping = parse_mapping(["name=name,jurisdiction=country,address=address,sector=sector"])
    report = import_companies_csv(session, path=OSH_LIST, mapping=mapping)

    assert not report.problems
    assert report.lines == 351
    assert report.written == {"companies created": 351, "addresses created": 351}
    assert report.notes == ["Columns not imported: lat, lng."]
    companies = session.scalars(select(Company)).all()
    assert len({c.jurisdiction for c in companies}) == 40
    assert sum(c.jurisdiction == "CN" for c in companies) == 142
    names = set(session.scalars(select(CompanyName.name)))
    assert "Industrias Químicas Perlacos, S.L." in names
    assert sum(not n.isascii() for n in names) == 8
    assert "Erateks Tekstil Sanayi ve Ticaret A.Ş." in names  # trailing space trimmed
    addresses = session.scalars(select(Address.full)).all()
    # 14 addresses hold non-ASCII text; one only a no-break space, which becomes a space.
    assert sum(not a.isascii() for a in addresses) == 13
    assert json.loads(companies[0].ftm_properties) == {"sector": ["Apparel"]}
    again = import_companies_csv(session, path=OSH_LIST, mapping=mapping)
    assert again.written == {"companies unchanged": 351, "addresses unchanged": 351}
    assert session.scalar(select(func.count()).select_from(Address)) == 351
    assert session.scalar(select(func.count()).select_from(CompanyIdentifier)) == 0


def test_a_key_that_cannot_be_used_as_given_is_reported_with_its_row(session, tmp_path):
    """Keys are what a later file updates by: never replaced silently by a hash."""
    longest = "k" * 100
    rows = [
        ["Ref", "Name", "Countries"],
        ["MADC-1", "Minera Andina del Cauca", "CO"],  # row 2
        ["a b", "Spaced Key SA", "PE"],  # row 3
        ["k" * 101, "Long Key SA", "PE"],  # row 4
        [longest, "Longest Key SA", "PE"],  # row 5
        ["", "No Key SA", "PE"],  # row 6: no key, a hash of name and country
    ]
    report = import_companies_csv(
        session,
        path=write_csv(tmp_path, rows),
        mapping=parse_mapping(["key=Ref,name=Name,country=Countries"]),
    )
    assert [p.line for p in report.problems] == [3, 4]
    assert "'a b' cannot be used" in str(report.problems[0])
    keys = set(session.scalars(select(Company.key)))
    assert {"csv-suppliers.csv-MADC-1", f"csv-suppliers.csv-{longest}"} <= keys
    assert len([k for k in keys if k.startswith("csv-suppliers.csv-")]) == 3


def test_several_countries_in_one_cell(session, tmp_path):
    rows = [
        ["Name", "Countries"],
        ["Andes Copper Holdings", "PE|CO"],  # row 2
        ["Atlantis Mining", "PE|Atlantis"],  # row 3
    ]
    report = import_companies_csv(
        session,
        path=write_csv(tmp_path, rows),
        mapping=parse_mapping(["name=Name,country=Countries"]),
    )
    assert [str(p) for p in report.problems] == ["row 3: 'Atlantis' is not a country"]
    andes = session.scalars(select(Company).where(Company.name == "Andes Copper Holdings")).one()
    assert sorted(json.loads(andes.ftm_properties)["country"]) == ["co", "pe"]
