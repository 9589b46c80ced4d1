"""SLAPP screening through the staff pages, JavaScript off: record a lawsuit (a refused form
comes back as typed), add a defendant, link an incident, a company and a related proceeding,
judge an indicator, publish. Analysts record and judge but cannot publish; auditors only read;
another organisation gets "not found"."""

from __future__ import annotations

from sqlalchemy import select

from tests.diligence.slapp.support import make_company, make_defender
from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.diligence.slapp.models import IndicatorJudgement, Lawsuit

FORM = {
    "claimant_name": "Minera Ficticia S.A.S.",
    "court": "Juzgado Civil (test)",
    "country": "CO",
    "region": "CO-CAU",
    "claim_type": "defamation",
    "claim_amount": "300000000",
    "currency": "COP",
    "filed_on": "2025-04-01",
    "postponements": "0",
    "outcome": "pending",
}


def post(client, page: str, path: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data})


def _recorded(session, client, role: str = "coordinator"):  # type: ignore[no-untyped-def]
    org = make_org(session)
    staff = make_staff(session, org, role)
    session.commit()
    sign_in(client, staff)
    created = post(client, "/staff/lawsuits", "/staff/lawsuits", FORM)
    assert created.status_code == 303, created.text
    return org, created.headers["location"].split("?")[0]


def test_a_refused_form_keeps_what_was_typed(session, client) -> None:  # type: ignore[no-untyped-def]
    org = make_org(session)
    make_staff_and_sign_in = make_staff(session, org, "analyst")
    session.commit()
    sign_in(client, make_staff_and_sign_in)
    refused = post(client, "/staff/lawsuits", "/staff/lawsuits", {**FORM, "currency": "PESOS"})
    assert refused.status_code == 422
    assert "ISO 4217" in refused.text
    assert 'value="Minera Ficticia S.A.S."' in refused.text and 'value="PESOS"' in refused.text
    assert 'value="300000000"' in refused.text
    assert session.scalar(select(Lawsuit).where(Lawsuit.organisation_id == org.id)) is None


def test_record_link_judge_and_publish(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    org, page = _recorded(session, client)
    defender = make_defender(session, vault, org)
    incident = make_incident(session, org, vault=vault)
    company = make_company(session, name="Holding Ficticia plc")
    session.commit()
    added = post(
        client,
        page,
        f"{page}/defendants",
        {"defender_id": str(defender.id), "description": "a community radio journalist"},
    )
    assert added.status_code == 303
    for what, target in (("incidents", incident.id), ("companies", company.id)):
        linked = post(client, page, f"{page}/links/{what}", {"target_id": str(target)})
        assert linked.status_code == 303
    shown = client.get(page).text
    assert "a community radio journalist" in shown and defender.alias in shown
    assert "Holding Ficticia plc" in shown and f"#{incident.id}" in shown
    found = client.get(f"{page}?company_q=Holding Ficticia").text
    assert f"#{company.id} Holding Ficticia plc" in found
    screening = client.get(f"{page}/screening")
    assert "This is not an automatic verdict." in screening.text
    assert "No indicator has been judged by an analyst yet." in screening.text
    assert "Suggested by the records:" in screening.text  # (c): the death threat
    refused = post(
        client,
        f"{page}/screening",
        f"{page}/screening",
        {"indicator": "c", "judgement": "met", "reasoning": ""},
    )
    assert refused.status_code == 422
    judged = post(
        client,
        f"{page}/screening",
        f"{page}/screening",
        {"indicator": "c", "judgement": "met", "reasoning": "Threats after the hearing."},
    )
    assert judged.status_code == 303
    after = client.get(f"{page}/screening").text
    assert "1 of 4 indicators judged met by the analyst on" in after
    assert "Threats after the hearing." in after
    published = post(client, page, f"{page}/publication", {"published": "yes"})
    assert published.status_code == 303
    lawsuit_id = int(page.rsplit("/", 1)[1])
    assert session.get(Lawsuit, lawsuit_id).published


def test_an_analyst_cannot_publish(session, vault, client) -> None:  # type: ignore[no-untyped-def]
    _org, page = _recorded(session, client, "analyst")
    assert "Publish on the public list" not in client.get(page).text
    refused = post(client, page, f"{page}/publication", {"published": "yes"})
    assert refused.status_code == 403


def test_an_auditor_reads_but_changes_nothing(session, client) -> None:  # type: ignore[no-untyped-def]
    org, page = _recorded(session, client)
    auditor = make_staff(session, org, "auditor")
    session.commit()
    client.cookies.clear()
    sign_in(client, auditor)
    assert client.get(page).status_code == 200
    screening = client.get(f"{page}/screening")
    assert screening.status_code == 200 and "Record the judgement" not in screening.text
    for path, data in (
        ("/staff/lawsuits", FORM),
        (f"{page}/screening", {"indicator": "a", "judgement": "met", "reasoning": "r"}),
        (page, FORM),
    ):
        assert post(client, "/staff/lawsuits", path, data).status_code == 403
    assert session.scalar(select(IndicatorJudgement)) is None


def test_another_organisation_gets_not_found(session, client) -> None:  # type: ignore[no-untyped-def]
    _org, page = _recorded(session, client)
    stranger = make_staff(session, make_org(session), "coordinator")
    session.commit()
    client.cookies.clear()
    sign_in(client, stranger)
    assert client.get(page).status_code == 404
    assert client.get(f"{page}/screening").status_code == 404
    assert "Minera Ficticia" not in client.get("/staff/lawsuits").text
    refused = post(client, "/staff/lawsuits", f"{page}/publication", {"published": "yes"})
    assert refused.status_code == 404
