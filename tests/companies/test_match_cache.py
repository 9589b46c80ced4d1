"""Matching against the database: the SQLite name index is kept between queries and follows
every change to the names; addresses count when given; ties go to the name spelt like the
query; the registry search on PostgreSQL leaves the planner settings as it found them."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import func, insert, select

from tests.factories import make_org, make_staff, sign_in
from vigil.cli import main
from vigil.companies import name_index
from vigil.companies.match_search import match_companies
from vigil.companies.models import Address, Company, CompanyName
from vigil.companies.registry import search_companies
from vigil.companies.service import CompanyIn, upsert_company
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.core.migrations import upgrade


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """How many times the SQLite index was built (number of names each time)."""
    built: list[int] = []
    original = name_index.build_index

    def counting(rows):  # type: ignore[no-untyped-def]
        index = original(rows)
        built.append(len(index))
        return index

    monkeypatch.setattr(name_index, "build_index", counting)
    return built


def add(session, key: str, name: str, **kwargs) -> Company:  # type: ignore[no-untyped-def]
    return upsert_company(session, data=CompanyIn(key=key, name=name, **kwargs))[0]


def test_the_sqlite_index_is_kept_until_the_names_change(session, builds):
    akzo = add(session, "c:akzo", "Akzo Nobel N.V.", jurisdiction="NL")
    add(session, "c:palmas", "Palmas del Cesar Ltda.", jurisdiction="CO")
    for _ in range(3):
        assert match_companies(session, query="Akzo Nobell")[0].company_id == akzo.id
    if session.get_bind().dialect.name == "postgresql":
        assert builds == []  # pg_trgm: nothing kept in memory
        return
    assert builds == [2]

    # A name added through the ORM is found by the next query.
    andina = add(session, "c:andina", "Minera Andina S.A.S.", jurisdiction="CO")
    assert match_companies(session, query="minera andina")[0].company_id == andina.id
    assert builds == [2, 3]
    # So is one written without the ORM (another process, an import tool): count and id.
    session.execute(
        insert(CompanyName).values(
            company_id=andina.id, name="Andina Gold", kind="alias", normalized="andina gold"
        )
    )
    (best, *_rest) = match_companies(session, query="andina gold")
    assert (best.company_id, best.matched_name) == (andina.id, "Andina Gold")
    assert builds == [2, 3, 4]
    match_companies(session, query="palmas")
    assert builds == [2, 3, 4]


def test_an_index_built_in_a_rolled_back_transaction_is_not_reused(session, builds):
    """SQLite hands out the ids of rolled-back rows again: the flush counter tells apart."""
    savepoint = session.begin_nested()
    add(session, "c:ghost", "Ghost Mining Corp")
    assert match_companies(session, query="ghost mining")
    savepoint.rollback()
    real = add(session, "c:real", "Real Gold Ltd")
    assert match_companies(session, query="ghost mining") == []
    assert match_companies(session, query="real gold")[0].company_id == real.id


def test_a_large_registry_is_not_kept(session, builds, monkeypatch):
    if session.get_bind().dialect.name == "postgresql":
        # The kept in-memory index exists only on SQLite; PostgreSQL matches through pg_trgm.
        pytest.skip("SQLite only: PostgreSQL keeps no in-memory name index")
    monkeypatch.setattr(name_index, "MAX_CACHED_NAMES", 1)
    add(session, "c:a", "Alpha Mining")
    add(session, "c:b", "Beta Mining")
    match_companies(session, query="alpha")
    match_companies(session, query="beta")
    assert builds == [2, 2]


def test_the_name_spelt_like_the_query_comes_first(session):
    for key, name in [
        ("c:1", "Basell Kokuyo Inc."),
        ("c:2", "Kokuyo Co., Ltd."),
        ("c:3", "Advanced Kokuyo Pencil"),
    ]:
        add(session, key, name)
    ranked = match_companies(session, query="KOKUYO")
    assert [c.value for c in ranked] == [1.0, 1.0, 1.0]  # all contain the word typed
    assert ranked[0].name == "Kokuyo Co., Ltd."
    assert ranked[0].explain()[0].startswith("Same name once legal forms")
    # then the closer spelling, not the alphabet
    assert [c.name for c in ranked[1:]] == ["Basell Kokuyo Inc.", "Advanced Kokuyo Pencil"]


def with_addresses(session) -> tuple[Company, Company]:  # type: ignore[no-untyped-def]
    north = add(session, "c:n", "Sunrise Garments Ltd", jurisdiction="BD")
    south = add(session, "c:s", "Sunrise Garments Limited", jurisdiction="BD")
    north.addresses.append(Address(full="Plot 12, Tongi Industrial Area, Gazipur", country="BD"))
    south.addresses.append(Address(full="45 Agrabad Commercial Area, Chittagong", country="BD"))
    session.flush()
    return north, south


def test_an_address_decides_between_namesakes(session):
    north, south = with_addresses(session)
    plain = match_companies(session, query="Sunrise Garments", country="BD")
    assert [c.value for c in plain] == [1.0, 1.0]

    ranked = match_companies(
        session, query="Sunrise Garments", country="BD", address="plot 12 tongi industrial area"
    )
    assert [c.company_id for c in ranked] == [north.id, south.id]
    assert ranked[0].value == 1.0 and "Addresses alike. (+0.05)" in ranked[0].explain()
    assert ranked[1].value == pytest.approx(0.83)
    assert "Addresses differ. (−0.20)" in ranked[1].explain()


def test_api_and_cli_take_an_address(session, client):
    north, _south = with_addresses(session)
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    sign_in(client, analyst)
    response = client.get(
        "/api/v1/companies/match",
        params={"q": "Sunrise Garments", "address": "Plot 12 Tongi Industrial Area, Gazipur"},
    )
    assert response.status_code == 200
    (first, second) = response.json()["candidates"]
    assert first["company_id"] == north.id
    assert "Addresses alike. (+0.05)" in first["explanation"]
    assert "Addresses differ. (−0.20)" in second["explanation"]
    too_long = client.get("/api/v1/companies/match", params={"q": "x", "address": "a" * 501})
    assert too_long.status_code == 422


def test_cli_match_with_an_address(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            with_addresses(session)
    finally:
        engine.dispose()
    argv = ["vigil", "companies", "match", "Sunrise Garments"]
    argv += ["--address", "45 Agrabad Commercial Area, Chittagong"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr().out.splitlines()
    assert exited.value.code in (0, None)
    assert out[0].startswith("1. 1.00  Sunrise Garments Limited")
    assert "     Addresses alike. (+0.05)" in out
    assert any(line.startswith("2. 0.80  Sunrise Garments Ltd") for line in out)
    monkeypatch.setattr(sys, "argv", [*argv[:4], "--address", "x" * 501])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert capsys.readouterr().err == "Error: --address must be at most 500 characters.\n"


def test_registry_search_puts_the_planner_settings_back(session):
    add(session, "c:kokuyo", "Kokuyo Co., Ltd.")
    add(session, "c:other", "Basell Kokuyo Inc.")
    page = search_companies(session, query="kokuyo")
    assert sorted(c.name for c in page.items) == ["Basell Kokuyo Inc.", "Kokuyo Co., Ltd."]
    assert page.total == 2
    if session.get_bind().dialect.name == "postgresql":
        settings = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")
        found = session.execute(select(*[func.current_setting(s) for s in settings])).one()
        assert tuple(found) == ("on", "on", "on")
