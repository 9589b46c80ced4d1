"""`vigil import ftm` rules: idempotent upserts, bad lines with their numbers, strict mode,
persons left out, and how FollowTheMoney properties land in the registry."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vigil.companies.ftm_import import BadLines, import_ftm
from vigil.companies.models import (
    Address,
    Company,
    CompanyIdentifier,
    CompanyName,
    CompanyRelationship,
    CompanyRevision,
)
from vigil.companies.service import CompanyIn, upsert_company

DONATIONS = Path(__file__).resolve().parent.parent / "data" / "ftm-donations" / "donations.ijson"


def entity(key: str, schema: str, **props: list[str] | str) -> str:
    properties = {k: v if isinstance(v, list) else [v] for k, v in props.items()}
    return json.dumps({"id": key, "schema": schema, "properties": properties})


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "entities.ijson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def counts(session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model))
        for model in (Company, CompanyRelationship, Address)
    )


def test_importing_twice_changes_nothing(session):
    first = import_ftm(session, path=DONATIONS)
    after_first = counts(session)
    second = import_ftm(session, path=DONATIONS)

    assert after_first == (73, 242, 69)  # 56 companies + 17 organisations; see the round trip
    assert counts(session) == after_first
    assert first.written == {
        "companies created": 73,
        "relationships created": 242,
        "addresses created": 69,
    }
    assert second.written == {
        "companies unchanged": 73,
        "relationships unchanged": 242,
        "addresses unchanged": 69,
    }
    assert not second.problems
    assert session.scalar(select(func.count()).select_from(CompanyRevision)) == 0
    company = session.scalars(select(Company).where(Company.name == "Tchibo Holding AG")).one()
    assert company.source_dataset == "donations.ijson"
    assert company.source_line and company.imported_at is not None
    assert company.ftm_schema == "Company"


BAD_FILE = [
    entity("c-1", "Company", name="Alpha Mining S.A.", jurisdiction="pe"),  # 1 good
    '{"id": "c-2", "schema": "Company", "properties": {"name": ["Broken"]',  # 2 not JSON
    entity("v-1", "Spaceship", name="Nope"),  # 3 unknown schema
    entity("c-3", "Company", name="Gamma", colour="blue"),  # 4 unknown property
    entity("c-4", "Company", name="Delta", leiCode="NOT-A-LEI"),  # 5 invalid value
    json.dumps({"schema": "Company", "properties": {"name": ["No id"]}}),  # 6 no id
    entity("c-1", "Company", name="Alpha again"),  # 7 id repeated
    entity("o-1", "Ownership", owner="c-1", asset="nowhere"),  # 8 dangling reference
    entity("o-2", "Ownership", owner="existing", asset="c-1", percentage="51"),  # 9 good
    "",  # 10 blank: ignored
    entity("t-1", "Thing", name="Abstract"),  # 11 abstract schema
    "[1, 2, 3]",  # 12 not an object
    entity("c-5", "Company", country="pe"),  # 13 no name
]


def test_bad_lines_are_reported_with_line_numbers_and_good_ones_imported(session, tmp_path):
    upsert_company(session, data=CompanyIn(key="existing", name="Existing Holdings Ltd"))
    report = import_ftm(session, path=write(tmp_path, *BAD_FILE))

    assert [p.line for p in report.problems] == [2, 3, 4, 5, 6, 7, 8, 11, 12, 13]
    messages = {p.line: str(p) for p in report.problems}
    assert messages[2].startswith("line 2: not valid JSON")
    assert "unknown schema 'Spaceship'" in messages[3]
    assert "unknown property 'colour' of Company" in messages[4]
    assert "leiCode: invalid value 'NOT-A-LEI'" in messages[5]
    assert "no entity id" in messages[6]
    assert "already appeared on line 1" in messages[7]
    assert "'nowhere' is neither in the file nor in the registry" in messages[8]
    assert "abstract schema" in messages[11]
    assert "needs a name" in messages[13]
    assert report.summary().endswith("; 10 bad lines.")

    alpha = session.scalars(select(Company).where(Company.key == "c-1")).one()
    assert alpha.name == "Alpha Mining S.A." and alpha.jurisdiction == "PE"
    edge = session.scalars(
        select(CompanyRelationship).where(CompanyRelationship.key == "o-2")
    ).one()
    assert (edge.kind, edge.to_company_id, edge.percentage) == ("ownership", alpha.id, 51)
    assert edge.from_company.name == "Existing Holdings Ltd"
    assert counts(session) == (2, 1, 0)


def test_strict_imports_nothing_when_a_line_is_bad(session, tmp_path):
    upsert_company(session, data=CompanyIn(key="existing", name="Existing Holdings Ltd"))
    with pytest.raises(BadLines) as raised:
        import_ftm(session, path=write(tmp_path, *BAD_FILE), strict=True)
    assert len(raised.value.problems) == 10
    assert str(raised.value) == "10 bad lines; nothing imported (--strict)."
    assert counts(session) == (1, 0, 0)

    good = import_ftm(session, path=write(tmp_path, BAD_FILE[0], BAD_FILE[8]), strict=True)
    assert good.written == {"companies created": 1, "relationships created": 1}


def test_persons_their_links_and_their_addresses_are_left_out(session, tmp_path):
    lines = [
        entity("a-home", "Address", full="Calle 1, Lima", country="pe"),
        entity("a-office", "Address", full="Av. Central 100, Lima", country="pe"),
        entity("p-1", "Person", name="Jane Private", addressEntity="a-home"),
        entity("c-1", "Company", name="Andes Copper S.A.", addressEntity="a-office"),
        entity("c-2", "Company", name="Secretarial Services Ltd"),
        entity("d-1", "Directorship", director="p-1", organization="c-1", role="CEO"),
        entity("d-2", "Directorship", director="c-2", organization="c-1", role="secretary"),
        entity("pay-1", "Payment", payer="p-1", beneficiary="c-1", amountEur="100"),
        entity("v-1", "Vessel", name="MV Ore Carrier"),
        entity("o-1", "Ownership", owner="c-1", asset="v-1"),
    ]
    report = import_ftm(session, path=write(tmp_path, *lines))

    assert report.skipped == {
        "persons": 1,
        "links to persons": 2,
        "addresses of no company": 1,
        "Vessel entities": 1,
        "links to other entities": 1,
    }
    assert not report.problems
    assert any("persons" in note for note in report.notes)
    names = set(session.scalars(select(CompanyName.name)))
    assert "Jane Private" not in names
    assert session.scalars(select(Address.full)).all() == ["Av. Central 100, Lima"]
    company = session.scalars(select(Company).where(Company.key == "c-1")).one()
    assert [a.key for a in company.addresses] == ["a-office"]
    edge = session.scalars(select(CompanyRelationship)).one()
    assert (edge.key, edge.kind, edge.from_company.name) == (
        "d-2",
        "director",
        "Secretarial Services Ltd",
    )
    dumped = json.dumps([c.ftm_properties for c in session.scalars(select(Company))])
    assert "p-1" not in dumped and "Jane" not in dumped


def test_properties_land_in_columns_and_the_rest_is_kept(session, tmp_path):
    upsert_company(
        session,
        data=CompanyIn(key="other", name="Other SA", identifiers=[("registration", "20100047218")]),
    )
    lines = [
        entity(
            "c-1",
            "Company",
            name=["Andes Copper S.A.", "Andes Copper"],
            alias="ACSA",
            previousName="Cobre Andino S.A.",
            legalForm="S.A.",
            jurisdiction="pe",
            website="https://andes-copper.example",
            leiCode="5493001KJTIIGC8Y1R12",
            registrationNumber=["20100047218", "PE-77"],
            sector=["mining", "Copper"],
            country="pe",
            notes="Listed in Lima.",
        ),
        entity("c-2", "Company", name="Smelter Corp"),
        entity("c-3", "Organization", name="Development Bank"),
        entity("l-1", "UnknownLink", subject="c-1", object="c-2", role="supplier"),
        entity("l-2", "UnknownLink", subject="c-1", object="c-2", role="partner"),
        entity(
            "o-1",
            "Ownership",
            owner="c-2",
            asset="c-1",
            percentage="25.5%",
            startDate="2011",
            endDate="2020-01-31",
            sourceUrl="https://registry.example/1",
        ),
        entity("m-1", "Payment", payer="c-1", beneficiary="c-3", date="2021-06-30"),
        entity("x-1", "Debt", debtor="c-1", creditor="c-3", amountUsd="5000000"),
    ]
    import_ftm(session, path=write(tmp_path, *lines), dataset="test-set")

    company = session.scalars(select(Company).where(Company.key == "c-1")).one()
    assert (company.name, company.legal_form, company.jurisdiction, company.website) == (
        "Andes Copper S.A.",
        "S.A.",
        "PE",
        "https://andes-copper.example/",  # cleaned by FtM
    )
    assert {(n.name, n.kind) for n in company.names} == {
        ("Andes Copper S.A.", "primary"),
        ("Andes Copper", "primary"),
        ("ACSA", "alias"),
        ("Cobre Andino S.A.", "former"),
    }
    held = session.scalars(
        select(CompanyIdentifier.value).where(CompanyIdentifier.company_id == company.id)
    )
    assert set(held) == {"5493001KJTIIGC8Y1R12", "PE-77"}  # the other one is another's
    assert [t.code for t in company.sectors] == ["mining"]
    assert json.loads(company.ftm_properties) == {
        "country": ["pe"],
        "notes": ["Listed in Lima."],
        "registrationNumber": ["20100047218"],
        "sector": ["Copper"],
    }
    assert company.actor_kind == "company"
    bank = session.scalars(select(Company).where(Company.key == "c-3")).one()
    assert (bank.actor_kind, bank.ftm_schema) == ("organisation", "Organization")

    edges = {e.key: e for e in session.scalars(select(CompanyRelationship).order_by("key"))}
    assert (edges["l-1"].kind, json.loads(edges["l-1"].ftm_properties)) == (
        "supplier_buyer",
        {},
    )
    assert edges["l-2"].kind == "linked"
    assert json.loads(edges["l-2"].ftm_properties) == {"role": ["partner"]}
    ownership = edges["o-1"]
    assert ownership.percentage == Decimal("25.50")
    assert (ownership.start_date, ownership.end_date) == (None, date(2020, 1, 31))
    assert ownership.source == "https://registry.example/1"
    assert edges["m-1"].kind == "payment" and edges["m-1"].start_date == date(2021, 6, 30)
    assert edges["m-1"].source == "test-set"
    lender = edges["x-1"]
    assert (lender.kind, lender.from_company_id, lender.to_company_id) == (
        "lender",
        bank.id,
        company.id,
    )


def test_a_changed_value_is_kept_as_a_revision_by_the_import(session, tmp_path):
    import_ftm(
        session, path=write(tmp_path, entity("c-1", "Company", name="Alpha", legalForm="AG"))
    )
    report = import_ftm(
        session, path=write(tmp_path, entity("c-1", "Company", name="Alpha", legalForm="SE"))
    )
    assert report.written == {"companies updated": 1}
    revision = session.scalars(select(CompanyRevision)).one()
    assert (revision.field, revision.old_value, revision.new_value) == ("legal_form", "AG", "SE")
    assert revision.origin == "ftm:entities.ijson" and revision.user_id is None
