"""Reading each published layout: good files, and files refused with the line and column."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.diligence.countries.support import FILES, variant
from vigil.core.errors import Invalid
from vigil.diligence.countries.importer import read_country_scores


def values(rows):  # type: ignore[no-untyped-def]
    return {(r.country, r.indicator, r.year): r.value for r in rows}


@pytest.mark.parametrize("name", ["wjp_historical.csv", "wjp_historical.xlsx"])
def test_wjp_historical_data_overall_and_eight_factors(name):
    rows, skipped = read_country_scores(FILES / name, source="wjp")
    got = values(rows)
    assert got[("CO", "overall", 2023)] == 0.48
    assert got[("CO", "factor_8", 2023)] == 0.33
    assert got[("PE", "factor_2", 2023)] == 0.34
    # An older edition "2012-2013" is the year it ends; sub-factor columns are ignored.
    assert got[("CO", "overall", 2013)] == 0.50
    assert len(got) == 3 * 9 and skipped == []


def test_wgi_ddf_lower_case_alpha_3():
    rows, _ = read_country_scores(
        FILES / "ddf--datapoints--rl_est--by--geo--time.csv", source="wgi"
    )
    assert values(rows) == {
        ("CO", "RL.EST", 2022): -0.39126,
        ("CO", "RL.EST", 2023): -0.45827,
        ("PE", "RL.EST", 2023): -0.50371,
    }


def test_wgi_databank_export_keeps_estimates_only_and_skips_no_value():
    rows, _ = read_country_scores(FILES / "wgi_databank.csv", source="wgi")
    got = values(rows)
    assert got[("CO", "VA.EST", 2023)] == 0.205212
    assert got[("HN", "RL.EST", 2022)] == -1.01
    assert ("HN", "VA.EST", 2022) not in got  # ".." is no value, not an error
    assert {i for _, i, _ in got} == {"RL.EST", "VA.EST"}  # ranks are not imported
    assert len(got) == 7


def test_wgi_bulk_download_with_preamble_refuses_or_skips_aggregates():
    with pytest.raises(Invalid) as refused:
        read_country_scores(FILES / "wgi_bulk.csv", source="wgi")
    assert "line 6" in str(refused.value) and "'LCN'" in str(refused.value)
    rows, skipped = read_country_scores(FILES / "wgi_bulk.csv", source="wgi", skip_unknown=True)
    assert values(rows) == {("CO", "RL.EST", 2022): -0.391259, ("CO", "RL.EST", 2023): -0.458273}
    assert skipped == ["LCN"]


def test_civic_space_ratings_by_code_or_name():
    rows, _ = read_country_scores(FILES / "civic_space.csv", source="civic-space")
    assert values(rows) == {("CO", "rating", 2023): 4.0, ("PE", "rating", 2022): 3.0}
    assert rows[0].source_name == "Example civic-space monitor"
    assert rows[0].source_url == "https://monitor.example.org/co"


def test_year_option_keeps_one_year_and_refuses_a_missing_one():
    rows, _ = read_country_scores(FILES / "wjp_historical.csv", source="wjp", year=2013)
    assert {r.year for r in rows} == {2013}
    with pytest.raises(Invalid, match="holds no value for 2019"):
        read_country_scores(FILES / "wjp_historical.csv", source="wjp", year=2019)


@pytest.mark.parametrize(
    ("name", "source", "column"),
    [
        ("wjp_historical.csv", "wjp", "Factor 8: Criminal Justice"),
        ("wjp_historical.csv", "wjp", "Year"),
        ("ddf--datapoints--rl_est--by--geo--time.csv", "wgi", "time"),
        ("wgi_databank.csv", "wgi", "Series Code"),
        ("civic_space.csv", "civic-space", "rating"),
        ("civic_space.csv", "civic-space", "source"),
    ],
)
def test_a_missing_column_is_named(tmp_path, name, source, column):
    path = variant(tmp_path, name, column, "Something else")
    with pytest.raises(Invalid) as refused:
        read_country_scores(path, source=source)
    assert f'Missing column "{column}"' in str(refused.value)
    assert name in str(refused.value)


def test_a_file_of_another_layout_says_which_column_it_looked_for(tmp_path):
    with pytest.raises(Invalid, match='no header row with the column "geo" / "iso3"'):
        read_country_scores(FILES / "civic_space.csv", source="wgi")


@pytest.mark.parametrize(
    ("name", "source", "old", "new", "where"),
    [
        # WJP scores are 0 to 1: 1.3 on Peru's line (line 3), factor 2's column.
        ("wjp_historical.csv", "wjp", "0.34,0.60", "1.3,0.60", 'line 3, column "Factor 2'),
        # WGI estimates are −2.5 to 2.5.
        (
            "ddf--datapoints--rl_est--by--geo--time.csv",
            "wgi",
            "-0.50371",
            "-3.1",
            'line 4, column "rl_est"',
        ),
        ("wgi_databank.csv", "wgi", '"-1.05"', '"abc"', 'line 5, column "2023 [YR2023]"'),
        (
            "civic_space.csv",
            "civic-space",
            "Obstructed",
            "Somewhat open",
            'line 3, column "rating"',
        ),
        ("civic_space.csv", "civic-space", "2022", "last year", 'line 3, column "year"'),
    ],
)
def test_a_bad_value_is_refused_with_line_and_column(tmp_path, name, source, old, new, where):
    path = variant(tmp_path, name, old, new)
    with pytest.raises(Invalid) as refused:
        read_country_scores(path, source=source)
    assert where in str(refused.value)
    assert f"{name} was not imported" in str(refused.value)


def test_a_bad_value_in_a_workbook_names_the_sheet_row(tmp_path):
    book = load_workbook(FILES / "wjp_historical.xlsx")
    book["Historical Data"]["E3"] = 7.5  # Peru's overall score, row 3
    path = tmp_path / "wjp.xlsx"
    book.save(path)
    with pytest.raises(Invalid, match='line 3, column "WJP Rule of Law Index: Overall Score"'):
        read_country_scores(path, source="wjp")


@pytest.mark.parametrize(
    ("name", "source", "old", "new", "where"),
    [
        (
            "wjp_historical.csv",
            "wjp",
            "PER",
            "XYZ",
            "line 3, column \"Country Code\": unknown country 'XYZ'",
        ),
        (
            "ddf--datapoints--va_est--by--geo--time.csv",
            "wgi",
            "per",
            "kos",
            "line 3, column \"geo\": unknown country 'kos'",
        ),
        (
            "civic_space.csv",
            "civic-space",
            "Peru",
            "Atlantis",
            "line 3, column \"country\": unknown country 'Atlantis'",
        ),
    ],
)
def test_an_unknown_country_is_refused(tmp_path, name, source, old, new, where):
    with pytest.raises(Invalid) as refused:
        read_country_scores(variant(tmp_path, name, old, new), source=source)
    assert where in str(refused.value)


def test_the_same_country_and_year_twice_is_refused(tmp_path):
    path = variant(tmp_path, "ddf--datapoints--va_est--by--geo--time.csv", "per,2023", "col,2023")
    with pytest.raises(Invalid, match=r"line 3.*CO 2023 is also on line 2"):
        read_country_scores(path, source="wgi")


def test_many_problems_are_counted_not_all_listed(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("geo,time,rl_est\n" + "".join(f"col,{2000 + n},9\n" for n in range(6)))
    with pytest.raises(Invalid, match=r"\(and 3 more\)"):
        read_country_scores(path, source="wgi")


def test_an_unknown_source_is_refused():
    with pytest.raises(Invalid, match="use wjp, wgi or civic-space"):
        read_country_scores(FILES / "civic_space.csv", source="vdem")
