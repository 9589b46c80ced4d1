"""Matching against the registry in the database (SQLite: in-process index; PostgreSQL: the
pg_trgm index), through the service, the JSON API, the type-ahead page and the command line."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import text

from tests.factories import make_org, make_staff, sign_in
from vigil.cli import main
from vigil.companies import match_search
from vigil.companies.match_search import match_companies
from vigil.companies.models import Company
from vigil.companies.resolution_models import NEAREST_INDEX, TRIGRAM_INDEX
from vigil.companies.service import CompanyIn, upsert_company
from vigil.core.db import make_engine, make_sessionmaker, session_scope
from vigil.core.migrations import upgrade


def seed(session) -> dict[str, Company]:
    rows = [
        CompanyIn(
            key="m:akzo",
            name="Akzo Nobel N.V.",
            jurisdiction="NL",
            identifiers=[("lei", "724500XDTR9XH1WQMI25")],
        ),
        CompanyIn(key="m:palmas", name="Palmas del Cesar Ltda.", jurisdiction="CO"),
        CompanyIn(key="m:andina-co", name="Minera Andina S.A.S.", jurisdiction="CO"),
        CompanyIn(key="m:andina-pe", name="Minera Andina S.A.C.", jurisdiction="PE"),
        CompanyIn(
            key="m:sawit",
            name="PT Sawit Lestari Nusantara Tbk",
            jurisdiction="ID",
            aliases=["Sawit Lestari"],
        ),
    ]
    return {data.key: upsert_company(session, data=data)[0] for data in rows}


def test_typos_and_legal_forms_still_match(session):
    companies = seed(session)
    (best, *_rest) = match_companies(session, query="AKZO NOVEL NV")
    assert best.company_id == companies["m:akzo"].id
    assert best.value == pytest.approx(0.9)
    assert best.explain()[0] == "Names spelt alike: “akzo novel” / “akzo nobel”. (0.90)"
    (best, *_rest) = match_companies(session, query="sawit lestari nusantara")
    assert best.company_id == companies["m:sawit"].id
    assert best.value == 1.0


def test_country_decides_between_namesakes(session):
    companies = seed(session)
    ranked = match_companies(session, query="Minera Andina", country="pe")
    assert [c.company_id for c in ranked[:2]] == [
        companies["m:andina-pe"].id,
        companies["m:andina-co"].id,
    ]
    assert "Same jurisdiction: PE. (+0.03)" in ranked[0].explain()
    assert "Different jurisdictions: PE / CO. (−0.15)" in ranked[1].explain()


def test_identifier_and_short_queries(session):
    companies = seed(session)
    (hit,) = match_companies(session, query=" 724500xdtr9xh1wqmi25 ")
    assert hit.company_id == companies["m:akzo"].id
    assert hit.explain() == ["Same identifier: lei 724500XDTR9XH1WQMI25. (1.00)"]
    assert [c.company_id for c in match_companies(session, query="pa")] == [
        companies["m:palmas"].id
    ]
    assert match_companies(session, query="\x00 S.A. ") == []
    assert match_companies(session, query="zzzz qqqq") == []


def test_limit_and_order(session):
    seed(session)
    ranked = match_companies(session, query="minera andina", limit=1)
    assert len(ranked) == 1


def test_a_merged_record_leads_to_the_one_it_was_merged_into(session):
    companies = seed(session)
    old = upsert_company(session, data=CompanyIn(key="m:old", name="Akzo Coatings Holding"))[0]
    old.merged_into_id = companies["m:akzo"].id
    session.flush()
    (best, *_rest) = match_companies(session, query="Akzo Coatings Holding")
    assert best.company_id == companies["m:akzo"].id
    assert best.via_company_id == old.id
    assert best.matched_name == "Akzo Coatings Holding"


def test_candidates_come_from_the_index_of_each_database(session, monkeypatch):
    companies = seed(session)

    def refuse(*_args, **_kwargs):
        raise AssertionError("wrong candidate generation for this database")

    if session.get_bind().dialect.name == "postgresql":
        monkeypatch.setattr(match_search, "_index_rows", refuse)
        definition = session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": TRIGRAM_INDEX},
        )
        assert "gin" in definition
        assert "gin_trgm_ops" in definition
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            session.scalars(
                text("EXPLAIN SELECT id FROM company_names WHERE normalized % 'akzo novel'")
            )
        )
        assert "ix_company_names_normalized_" in plan  # one trigram index or the other
        definition = session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": NEAREST_INDEX},
        )
        assert "gist" in definition
        assert "gist_trgm_ops" in definition
        plan = "\n".join(
            session.scalars(
                text(
                    "EXPLAIN SELECT id FROM company_names"
                    " ORDER BY normalized <-> 'akzo novel' LIMIT 200"
                )
            )
        )
        assert NEAREST_INDEX in plan  # matching: one nearest-first scan of the GiST index
    else:
        monkeypatch.setattr(match_search, "_trigram_rows", refuse)
    (best, *_rest) = match_companies(session, query="Akzo Nobell")
    assert best.company_id == companies["m:akzo"].id


def test_api_needs_a_session_and_returns_explained_candidates(session, client):
    companies = seed(session)
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    response = client.get("/api/v1/companies/match", params={"q": "Akzo"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in required."}

    sign_in(client, analyst)
    response = client.get("/api/v1/companies/match", params={"q": "Palmas del César", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == "palmas del cesar"
    assert body["candidates"][0] == {
        "company_id": companies["m:palmas"].id,
        "name": "Palmas del Cesar Ltda.",
        "jurisdiction": "CO",
        "matched_name": "Palmas del Cesar Ltda.",
        "via_company_id": None,
        "score": 1.0,
        "explanation": [
            "Same name once legal forms and spelling marks are set aside: “palmas del cesar”. "
            "(1.00)",
            "Legal forms set aside: ltda.",
        ],
    }
    assert (
        client.get("/api/v1/companies/match", params={"q": "x", "country": "COL"}).status_code
        == 422
    )
    assert client.get("/api/v1/companies/match").status_code == 422


def test_type_ahead_fragment_and_page_without_javascript(session, client):
    companies = seed(session)
    org = make_org(session)
    auditor = make_staff(session, org, role="auditor")  # reading the registry is for everyone
    session.commit()
    assert client.get("/staff/companies/match?q=akzo").status_code == 303  # sign in first
    sign_in(client, auditor)

    fragment = client.get("/staff/companies/match?q=akzo+nob", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    akzo = companies["m:akzo"].id
    assert f'name="company_id" value="{akzo}"' in fragment.text
    assert "Akzo Nobel N.V." in fragment.text

    page = client.get("/staff/companies/match?q=minera+andina&country=CO&next=/staff/incidents/7")
    assert page.status_code == 200
    assert "<html" in page.text
    assert 'name="q" value="minera andina"' in page.text
    assert '<option value="CO" selected>' in page.text
    assert '<input type="hidden" name="next" value="/staff/incidents/7">' in page.text
    assert page.text.index("Minera Andina S.A.S.") < page.text.index("Minera Andina S.A.C.")

    empty = client.get("/staff/companies/match?q=zzzz+qqqq")
    assert "No company in the registry matches “zzzz qqqq”." in empty.text
    assert "Candidates appear here as you type." in client.get("/staff/companies/match").text


def test_choosing_a_candidate_without_javascript(session, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    sign_in(client, analyst)
    chosen = client.get("/staff/companies/match?company_id=12&next=/staff/incidents/7?tab=link")
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/staff/incidents/7?tab=link&company_id=12"
    unsafe = client.get("/staff/companies/match?company_id=12&next=//evil.example/x")
    assert unsafe.headers["location"] == "/staff/companies/12"


# --- command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_database(tmp_path, monkeypatch, capsys) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    # An installation has its keys (the audit log signs every entry) before anything else.
    assert vigil(monkeypatch, capsys, "keys", "init")[0] == 0
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            seed(session)
            upsert_company(session, data=CompanyIn(key="m:akzo2", name="AKZO NOBEL NV"))
    finally:
        engine.dispose()
    return url


def vigil(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["vigil", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out, captured.err


def test_cli_match_prints_ranked_explained_candidates(cli_database, monkeypatch, capsys):
    status, out, _err = vigil(
        monkeypatch, capsys, "companies", "match", "Minera Andina", "--country", "CO"
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("1. 1.00  Minera Andina S.A.S.  (id ")
    assert lines[0].endswith(", CO)")
    assert "     Same jurisdiction: CO. (+0.03)" in lines
    assert any(line.startswith("2. 0.85  Minera Andina S.A.C.") for line in lines)

    status, out, _err = vigil(monkeypatch, capsys, "companies", "match", "akzo", "--limit", "1")
    assert status == 0
    assert sum(line[:1].isdigit() for line in out.splitlines()) == 1

    status, out, _err = vigil(monkeypatch, capsys, "companies", "match", "zzzz qqqq")
    assert (status, out) == (0, "No company in the registry matches “zzzz qqqq”.\n")


def test_cli_mistakes_are_one_line_and_exit_2(cli_database, monkeypatch, capsys):
    status, _out, err = vigil(monkeypatch, capsys, "companies", "match", "x", "--country", "COL")
    assert (status, err) == (2, "Error: --country must be a two-letter code such as CO.\n")
    status, _out, err = vigil(monkeypatch, capsys, "companies", "match", "\t")
    assert (status, err) == (2, "Error: Give a company name to match.\n")
    status, _out, err = vigil(
        monkeypatch,
        capsys,
        "companies",
        "dedupe",
        "--threshold",
        "0.9",
        "--auto-merge-above",
        "0.5",
    )
    assert (status, err) == (2, "Error: --auto-merge-above must be between the threshold and 1.\n")
    status, _out, err = vigil(monkeypatch, capsys, "companies", "dedupe", "--threshold", "0")
    assert (status, err) == (2, "Error: The threshold must be above 0 and at most 1.\n")


def test_cli_dedupe_queues_proposals(cli_database, monkeypatch, capsys):
    status, out, _err = vigil(monkeypatch, capsys, "companies", "dedupe")
    assert status == 0
    assert out == (
        "6 records compared at threshold 0.9: 1 new proposals (0 merged automatically), "
        "0 already in the queue, 0 superseded; largest cluster: 2 records.\n"
    )
    status, out, _err = vigil(monkeypatch, capsys, "companies", "dedupe")
    assert "0 new proposals (0 merged automatically), 1 already in the queue" in out
