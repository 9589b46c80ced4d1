"""The leverage map over HTTP: JSON for staff, the page with its picture and table."""

from __future__ import annotations

import re

import pytest
import schemathesis
from sqlalchemy import select

from tests.factories import make_incident, make_org, make_staff, sign_in
from vigil.companies.service import get_company_by_key
from vigil.core.audit import AuditEvent
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.web.cookies import SESSION_COOKIE


@pytest.fixture
def story(session, settings, vault, client, demo_data):  # type: ignore[no-untyped-def]
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    analyst = make_staff(session, org)
    session.commit()
    sign_in(client, analyst)
    return incident


def test_incident_leverage_json(session, client, story):
    response = client.get(f"/api/v1/incidents/{story.id}/leverage")
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == {"kind": "incident", "id": story.id, "name": story.title}
    assert body["host_country"] == "CO" and body["max_depth"] == 4
    first, *_rest, last = body["entries"]
    assert first["actor"]["name"] == "Minera Andina del Cauca S.A.S."
    assert first["role"] == "operator" and first["rank"] == 1 and first["path"] == []
    assert last["role"] == "protection" and last["actor"]["id"] is None
    fund = next(e for e in body["entries"] if e["role"] == "investor")
    assert fund["percentage"] == 6.0 and fund["via"]["name"] == "Northbridge Gold plc"
    assert [step["kind"] for step in fund["path"]] == ["parent_subsidiary", "investor"]
    assert fund["path"][1]["from_actor"]["name"] == "Nordic Workers' Pension Fund"
    assert fund["role_label"] == "Investor"
    assert body["excluded"] == []
    action = session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1))
    assert action == "incident.leverage_viewed"

    filtered = client.get(f"/api/v1/incidents/{story.id}/leverage?min_percentage=7&max_depth=2")
    assert "Nordic Workers' Pension Fund" not in [
        e["actor"]["name"] for e in filtered.json()["entries"]
    ]
    assert filtered.json()["excluded"][0]["reason"] == "share of 6 % is below the 7 % threshold"
    for query in ("max_depth=99", "min_percentage=nan", "min_percentage=101"):
        assert client.get(f"/api/v1/incidents/{story.id}/leverage?{query}").status_code == 422


def test_company_leverage_json(session, client, story):
    company = get_company_by_key(session, key="demo:minera-andina")
    body = client.get(f"/api/v1/companies/{company.id}/leverage").json()
    assert body["subject"]["kind"] == "company"
    assert [e["actor"]["name"] for e in body["entries"]][:2] == [
        "Minera Andina del Cauca S.A.S.",
        "Northbridge Gold plc",
    ]
    assert body["host_country"] == "CO"
    other = client.get(f"/api/v1/companies/{company.id}/leverage?host_country=pe").json()
    assert other["entries"][-1]["actor"]["country"] == "PE"
    assert client.get("/api/v1/companies/2000000000/leverage").status_code == 404


def test_other_organisations_incident_is_404(session, vault, client, story):
    theirs = make_org(session)
    foreign = make_incident(session, theirs, vault=vault, title="Their confidential case")
    session.commit()
    assert client.get(f"/api/v1/incidents/{foreign.id}/leverage").status_code == 404
    page = client.get(f"/staff/incidents/{foreign.id}/leverage")
    assert page.status_code == 404
    assert "Their confidential case" not in page.text


def test_signed_out_gets_401_or_sign_in(client, session, vault):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault)
    session.commit()
    assert client.get(f"/api/v1/incidents/{incident.id}/leverage").status_code == 401
    assert client.get("/api/v1/companies/1/leverage").status_code == 401
    page = client.get(f"/staff/incidents/{incident.id}/leverage")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_page_has_a_picture_and_a_table_without_inline_style(session, client, story):
    page = client.get(f"/staff/incidents/{story.id}/leverage")
    assert page.status_code == 200
    html = page.text
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Northbridge Gold plc" in svg and 'class="lv-link"' in svg
    assert "<table" in html and "Embassy of United Kingdom in Colombia" in html
    table = html[html.index("<table") : html.index("</table>")]
    for name in (
        "Minera Andina del Cauca S.A.S.",
        "Helvetia Precious Metals AG",
        "Voluntary Principles",
    ):
        assert name in table and name in svg
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert "<style" not in html.lower()
    assert "<script>" not in html and "unsafe-inline" not in page.headers["content-security-policy"]
    assert f'href="/staff/incidents/{story.id}"' in html

    company = get_company_by_key(session, key="demo:northbridge")
    page = client.get(f"/staff/companies/{company.id}/leverage?max_depth=1&min_percentage=0")
    assert page.status_code == 200 and "<svg" in page.text
    assert "Nordic Workers&#39; Pension Fund" in page.text
    assert client.get(f"/staff/companies/{company.id}/leverage?max_depth=x").status_code == 422


def test_story_responses_match_the_documented_schema(session, app, client, story):
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    company = get_company_by_key(session, key="demo:minera-andina")
    cookie = f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"
    for path, params in (
        ("/api/v1/incidents/{incident_id}/leverage", {"incident_id": story.id}),
        ("/api/v1/companies/{company_id}/leverage", {"company_id": company.id}),
    ):
        operation = schema[path]["GET"]
        for query in ({}, {"max_depth": 8, "min_percentage": 5.5}):
            case = operation.Case(path_parameters=params, query=query)
            response = case.call(headers={"Cookie": cookie}, base_url="https://testserver")
            assert response.status_code == 200
            case.validate_response(response)
