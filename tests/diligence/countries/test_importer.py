"""Storing imported scores: provenance on every value, and re-import replacing a year."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.diligence.countries.support import FILES, variant
from vigil import cli
from vigil.core.errors import Invalid
from vigil.diligence.countries import cli as countries_cli
from vigil.diligence.countries.importer import import_country_scores
from vigil.diligence.countries.models import CountryScore

DDF_RL = FILES / "ddf--datapoints--rl_est--by--geo--time.csv"
DDF_VA = FILES / "ddf--datapoints--va_est--by--geo--time.csv"


def stored(session, **where):  # type: ignore[no-untyped-def]
    query = select(CountryScore).filter_by(**where).order_by(CountryScore.id)
    return list(session.scalars(query))


def test_wjp_values_carry_source_url_licence_and_demo_flag(session):
    result = import_country_scores(session, path=FILES / "wjp_historical.xlsx", source="wjp")
    assert (result.values, result.countries, result.years) == (27, 2, [2013, 2023])
    row = stored(session, country="CO", indicator="factor_4", year=2023)[0]
    assert row.value == 0.52 and row.source == "wjp" and row.is_demo is False
    assert row.source_name == "World Justice Project Rule of Law Index"
    assert row.source_url.startswith("https://worldjusticeproject.org/")
    assert row.imported_at is not None


def test_re_importing_the_same_file_changes_nothing(session):
    import_country_scores(session, path=FILES / "wgi_databank.csv", source="wgi")
    before = [(r.country, r.indicator, r.year, r.value) for r in stored(session, source="wgi")]
    import_country_scores(session, path=FILES / "wgi_databank.csv", source="wgi")
    after = [(r.country, r.indicator, r.year, r.value) for r in stored(session, source="wgi")]
    assert sorted(before) == sorted(after) and len(after) == 7


def test_a_new_edition_of_a_year_replaces_its_values_and_keeps_other_years(session, tmp_path):
    import_country_scores(session, path=DDF_RL, source="wgi")
    revised = variant(tmp_path, DDF_RL.name, "-0.45827", "-0.40000")
    import_country_scores(session, path=revised, source="wgi", year=2023)
    values = {(r.country, r.year): r.value for r in stored(session, indicator="RL.EST")}
    assert values == {("CO", 2022): -0.39126, ("CO", 2023): -0.4, ("PE", 2023): -0.50371}


def test_a_country_dropped_from_a_new_edition_is_dropped_from_that_year(session, tmp_path):
    import_country_scores(session, path=DDF_RL, source="wgi")
    revised = variant(tmp_path, DDF_RL.name, "per,2023,-0.50371\n", "")
    import_country_scores(session, path=revised, source="wgi")
    assert {r.country for r in stored(session, year=2023)} == {"CO"}


def test_one_indicator_file_leaves_the_other_indicator(session):
    import_country_scores(session, path=DDF_RL, source="wgi")
    import_country_scores(session, path=DDF_VA, source="wgi")
    assert len(stored(session, indicator="RL.EST")) == 3
    assert len(stored(session, indicator="VA.EST")) == 2


def test_a_refused_file_writes_nothing(session, tmp_path):
    bad = variant(tmp_path, "civic_space.csv", "Obstructed", "fine")
    with pytest.raises(Invalid):
        import_country_scores(session, path=bad, source="civic-space")
    assert session.scalar(select(func.count()).select_from(CountryScore)) == 0


@pytest.fixture
def run(session, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """`vigil …` in-process, on the test's (rolled-back) session."""

    @contextmanager
    def this_session(_url):  # type: ignore[no-untyped-def]
        yield session

    monkeypatch.setattr(countries_cli, "database_session", this_session)
    env = {"VIGIL_DATA_DIR": str(tmp_path / "var"), "VIGIL_BASE_URL": "https://vigil.test"}

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli.app, list(args), env=env)

    return invoke


def test_cli_import_country_scores(run, session):
    result = run(
        "import", "country-scores", str(FILES / "civic_space.csv"), "--source", "civic-space"
    )
    assert result.exit_code == 0, result.output
    assert "Imported 2 civic_space values for 2 countries (2022, 2023)." in result.output
    assert len(stored(session, source="civic_space")) == 2
    skipped = run(
        "import",
        "country-scores",
        str(FILES / "wgi_bulk.csv"),
        "--source",
        "wgi",
        "--skip-unknown-countries",
        "--year",
        "2023",
    )
    assert "Imported 1 wgi values for 1 countries (2023)." in skipped.output
    assert "Skipped, not countries: LCN." in skipped.output


def test_cli_mistakes_are_one_line_errors(run, tmp_path):
    bad = variant(tmp_path, "wjp_historical.csv", "Year", "Edition")
    result = run("import", "country-scores", str(bad), "--source", "wjp")
    assert isinstance(result.exception, Invalid)
    assert str(result.exception) == 'wjp_historical.csv: Missing column "Year".'
    missing = run("import", "country-scores", str(tmp_path / "nope.csv"), "--source", "wjp")
    assert isinstance(missing.exception, Invalid) and "no such file" in str(missing.exception)


def test_cli_load_reference_and_set_flag(run, session):
    loaded = run("diligence", "load-reference")
    assert loaded.exit_code == 0, loaded.output
    assert "Country reference data loaded:" in loaded.output
    assert len(stored(session, source="wgi", country="CO")) == 18
    result = run(
        "diligence",
        "set-flag",
        "pe",
        "anti_slapp_protection",
        "--status",
        "no",
        "--source",
        "Congreso de la República",
        "--year",
        "2024",
    )
    assert result.exit_code == 0, result.output
    assert "PE: anti_slapp_protection set to no." in result.output
    unsourced = run("diligence", "set-flag", "PE", "escazu_party", "--status", "no", "--source", "")
    assert isinstance(unsourced.exception, Invalid)
    assert str(unsourced.exception) == "A legal-framework flag needs its source."
