"""Company pages for analysts: search, one company with its graph, incidents of the reader's
organisation only, and editing with history."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.companies.ftm_import import import_ftm
from vigil.companies.models import Company, CompanyRevision
from vigil.companies.service import (
    CompanyIn,
    ProjectDocumentIn,
    ProjectIn,
    RelationshipIn,
    add_project_document,
    upsert_company,
    upsert_project,
    upsert_relationship,
)
from vigil.core.audit import AuditEvent


def _registry(session) -> dict[str, Company]:
    minera, _ = upsert_company(
        session,
        data=CompanyIn(
            key="t:minera",
            name="Minera Andina del Cauca S.A.S.",
            legal_form="S.A.S.",
            jurisdiction="CO",
            sectors=["mining"],
            identifiers=[("registration", "CO-900123")],
            aliases=["Minera Andina"],
        ),
    )
    parent, _ = upsert_company(
        session, data=CompanyIn(key="t:parent", name="Northbridge Gold plc", jurisdiction="GB")
    )
    refinery, _ = upsert_company(
        session, data=CompanyIn(key="t:refinery", name="Helvetia Precious Metals AG")
    )
    upsert_relationship(
        session,
        data=RelationshipIn(
            key="t:own",
            kind="parent_subsidiary",
            from_company_key="t:parent",
            to_company_key="t:minera",
            percentage=100,
            source="Annual report 2025 (fictional)",
            start_date=date(2019, 5, 1),
        ),
    )
    upsert_relationship(
        session,
        data=RelationshipIn(
            key="t:buy",
            kind="supplier_buyer",
            from_company_key="t:minera",
            to_company_key="t:refinery",
            tier=1,
            source="https://example.org/supply",
        ),
    )
    project, _ = upsert_project(
        session,
        data=ProjectIn(
            key="t:roble",
            name="El Roble mine",
            kind="mine",
            country="CO",
            region="Cauca",
            operator_key="t:minera",
            sector="mining",
            fpic_status="contested",
        ),
    )
    add_project_document(
        session,
        project_id=project.id,
        data=ProjectDocumentIn(
            kind="impact_assessment",
            title="EIA El Roble expansion",
            url="https://example.org/eia.pdf",
            published_on=date(2024, 2, 1),
            language="es",
        ),
    )
    return {"minera": minera, "parent": parent, "refinery": refinery}


def test_search_by_name_key_and_identifier(session, client):
    companies = _registry(session)
    analyst = make_staff(session, make_org(session))
    session.commit()
    sign_in(client, analyst)

    for query in ("minera andina sas", "MINERA ANDINA", "CO-900123"):
        page = client.get("/staff/companies", params={"q": query})
        assert page.status_code == 200
        assert f'href="/staff/companies/{companies["minera"].id}"' in page.text, query
        assert "Northbridge Gold plc" not in page.text
    listing = client.get("/staff/companies")
    assert all(c.name in listing.text for c in companies.values())
    assert 'href="/staff/companies"' in listing.text  # the navigation link

    fragment = client.get(
        "/staff/companies", params={"q": "northbridge"}, headers={"HX-Request": "true"}
    )
    assert "Northbridge Gold plc" in fragment.text
    assert "Minera Andina" not in fragment.text
    assert "<html" not in fragment.text


def test_company_page_shows_names_identifiers_projects_and_relationships(session, client):
    companies = _registry(session)
    analyst = make_staff(session, make_org(session))
    session.commit()
    sign_in(client, analyst)

    page = client.get(f"/staff/companies/{companies['minera'].id}")
    assert page.status_code == 200
    text = page.text
    for expected in (
        "Minera Andina del Cauca S.A.S.",
        "Minera Andina",  # alias
        "CO-900123",
        "Mining",
        "El Roble mine",
        "FPIC contested",
        "EIA El Roble expansion",
        "https://example.org/eia.pdf",
        "Parent of",
        "Northbridge Gold plc",
        "Annual report 2025 (fictional)",
        "Supplies",
        "Helvetia Precious Metals AG",
        "tier 1",
        f'href="/staff/companies/{companies["minera"].id}/leverage"',
    ):
        assert expected in text, expected
    assert 'href="https://example.org/supply" rel="noopener noreferrer nofollow"' in text
    assert client.get("/staff/companies/999999").status_code == 404


def test_incident_links_are_limited_to_the_readers_organisation(session, vault, client):
    companies = _registry(session)
    org_a, org_b = make_org(session), make_org(session)
    company_id = companies["minera"].id
    make_incident(session, org_a, vault=vault, title="Org A threat case", company_id=company_id)
    make_incident(session, org_b, vault=vault, title="Org B eviction case", company_id=company_id)
    make_incident(session, org_b, vault=vault, title="Org B unrelated case")
    analyst_b = make_staff(session, org_b)
    session.commit()
    sign_in(client, analyst_b)

    page = client.get(f"/staff/companies/{company_id}")
    assert "Org B eviction case" in page.text
    assert "Org A threat case" not in page.text
    assert "Org B unrelated case" not in page.text
    other = client.get(f"/staff/companies/{companies['parent'].id}")
    assert "Org B eviction case" not in other.text


def test_writer_edits_with_history_and_audit(session, client):
    companies = _registry(session)
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()
    sign_in(client, analyst)
    company_id = companies["minera"].id

    form = client.get(f"/staff/companies/{company_id}/edit")
    assert form.status_code == 200
    response = client.post(
        f"/staff/companies/{company_id}/edit",
        data={
            "csrf_token": csrf_from(form.text),
            "name": "Minera Andina del Cauca S.A.S. BIC",
            "legal_form": "S.A.S.",
            "jurisdiction": "Colombia",
            "website": "minera-andina.example",
            "alias": "MADC",
            "identifier_scheme": "lei",
            "identifier_value": "5493001KJTIIGC8Y1R12",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/companies/{company_id}?done=edited"

    revisions = session.scalars(
        select(CompanyRevision).where(CompanyRevision.company_id == company_id)
    ).all()
    assert {(r.field, r.old_value, r.new_value) for r in revisions} == {
        ("name", "Minera Andina del Cauca S.A.S.", "Minera Andina del Cauca S.A.S. BIC"),
        ("website", None, "http://minera-andina.example/"),
        ("alias", None, "MADC"),
        ("identifier", None, "lei: 5493001KJTIIGC8Y1R12"),
    }
    assert all(r.user_id == analyst.user.id and r.origin == "web" for r in revisions)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "company.edited")).one()
    assert event.object_id == str(company_id) and event.actor_user_id == analyst.user.id
    assert "identifier" in event.detail and "MADC" not in event.detail

    page = client.get(response.headers["location"])
    assert "The company was changed." in page.text
    assert "Minera Andina del Cauca S.A.S. BIC" in page.text
    assert "Former name" in page.text  # the old name is kept for matching
    assert analyst.user.display_name in page.text  # same organisation: the editor's name

    # A reader from another organisation sees the change but not who made it.
    stranger = make_staff(session, make_org(session))
    session.commit()
    client.cookies.clear()
    sign_in(client, stranger)
    other = client.get(f"/staff/companies/{company_id}")
    assert "Another organisation" in other.text
    assert "5493001KJTIIGC8Y1R12" in other.text


def test_edit_mistakes_are_explained_and_nothing_is_kept(session, client):
    companies = _registry(session)
    analyst = make_staff(session, make_org(session))
    session.commit()
    sign_in(client, analyst)
    company_id = companies["minera"].id
    token = csrf_from(client.get(f"/staff/companies/{company_id}/edit").text)

    cases = [
        ({"name": ""}, "needs a name"),
        ({"jurisdiction": "Atlantis"}, "is not a country"),
        ({"website": "javascript:alert(1)"}, "http(s) address"),
        ({"identifier_scheme": "lei", "identifier_value": "123"}, "not a valid LEI"),
        ({"identifier_scheme": "registration", "identifier_value": "CO-900123"}, "already"),
    ]
    for change, message in cases:
        # Every case also renames the company: a refused edit must keep none of it.
        data = {"csrf_token": token, "name": "Renamed", "alias": "Some alias", **change}
        response = client.post(f"/staff/companies/{companies['parent'].id}/edit", data=data)
        assert response.status_code == 422, change
        assert message in response.text, change
        assert 'role="alert"' in response.text
    session.expire_all()
    parent = session.get(Company, companies["parent"].id)
    assert parent.name == "Northbridge Gold plc"
    assert [n.name for n in parent.names] == ["Northbridge Gold plc"]
    assert not session.scalars(select(CompanyRevision)).all()


def test_auditors_read_but_cannot_edit(session, client):
    companies = _registry(session)
    auditor = make_staff(session, make_org(session), role="auditor")
    session.commit()
    sign_in(client, auditor)
    company_id = companies["minera"].id

    page = client.get(f"/staff/companies/{company_id}")
    assert page.status_code == 200
    assert f"/staff/companies/{company_id}/edit" not in page.text
    assert client.get(f"/staff/companies/{company_id}/edit").status_code == 403
    token = csrf_from(page.text)
    posted = client.post(
        f"/staff/companies/{company_id}/edit", data={"csrf_token": token, "name": "X"}
    )
    assert posted.status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/companies")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_imported_company_shows_provenance_kept_properties_and_import_history(
    session, client, tmp_path
):
    lines = [
        {"id": "c-1", "schema": "Company", "properties": {"name": ["Alpha"], "country": ["pe"]}},
        {"id": "c-2", "schema": "PublicBody", "properties": {"name": ["Regional Police"]}},
        {
            "id": "p-1",
            "schema": "Payment",
            "properties": {"payer": ["c-1"], "beneficiary": ["c-2"], "date": ["2022-03-01"]},
        },
    ]
    path = tmp_path / "set.ijson"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    import_ftm(session, path=path)
    lines[0]["properties"]["legalForm"] = ["S.A.C."]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    import_ftm(session, path=path)
    company = session.scalars(select(Company).where(Company.key == "c-1")).one()
    analyst = make_staff(session, make_org(session))
    session.commit()
    sign_in(client, analyst)

    text = client.get(f"/staff/companies/{company.id}").text
    assert "set.ijson (line or row 1)" in text
    assert "<code>country</code></dt><dd>pe</dd>" in text
    assert "Paid" in text and "Regional Police" in text and "Mar 1, 2022" in text
    assert "Import ftm:set.ijson" in text and "S.A.C." in text
