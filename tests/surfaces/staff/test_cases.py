"""The casework pages through HTTP: decision on a report, case page forms, roles, tenancy."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.casework.test_casework import _report
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.incidents.models import Incident


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


def test_analyst_converts_a_report_and_carries_the_case(session, vault, client, app):
    org = make_org(session)
    first, second = make_staff(session, org), make_staff(session, org)
    report = _report(session, vault, org)
    session.commit()
    sign_in(client, first)

    page = client.get(f"/staff/reports/{report.id}")
    assert 'id="convert-form"' in page.text
    done = _post(
        client,
        f"/staff/reports/{report.id}/convert",
        {
            "is_defender": "yes",
            "business_link": "yes",
            "has_source": "yes",
            "reasons": "Land defender; mine nearby; direct report.",
            "title": "Threat, Cauca",
            "role": "direct",
            "reliability": "high",
        },
    )
    assert done.status_code == 303
    case_url = done.headers["location"].split("?")[0]
    incident_id = int(case_url.split("/")[3])

    review_on = (date.today() + timedelta(days=7)).isoformat()
    assert (
        _post(
            client,
            f"/staff/incidents/{incident_id}/risk",
            {
                "level": "extreme",
                "threat_source": "high",
                "reasons": "Armed men seen.",
                "review_on": review_on,
            },
        ).status_code
        == 303
    )
    assert (
        _post(
            client, f"/staff/incidents/{incident_id}/assign", {"assignee": str(first.user.id)}
        ).status_code
        == 303
    )
    assert (
        _post(
            client, f"/staff/incidents/{incident_id}/notes", {"body": "Relocation requested."}
        ).status_code
        == 303
    )
    for status in ("active", "resolved"):
        assert (
            _post(client, f"/staff/incidents/{incident_id}/status", {"status": status}).status_code
            == 303
        )
    assert (
        _post(client, f"/staff/incidents/{incident_id}/closure", {"reason": "risk_reduced"})
        .headers["location"]
        .endswith("closure_requested")
    )
    case = client.get(case_url).text
    assert 'id="consent"' in case and 'id="support"' in case and 'id="referrals"' in case
    assert "Quiet diplomacy" in case  # the reporter's wish, recorded as the first consent
    assert "Extreme risk" in case and "Armed men seen." in case
    incident_page = client.get(f"/staff/incidents/{incident_id}").text
    assert "(Direct perpetrator, Alleged)" in incident_page and "Reliability: High" in incident_page
    assert "Relocation requested." in case and 'id="closure-review"' in case
    assert "Approve closing" not in case  # not for the analyst who asked

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, second)
        assert "Approve closing" in other.get(case_url).text
        token = csrf_from(other.get("/staff/reports").text)
        other.post(
            f"/staff/incidents/{incident_id}/closure-review",
            data={"csrf_token": token, "decision": "approve"},
        )
        assert '<span class="status status-closed" id="case-status">' in other.get(case_url).text


def test_roles_and_tenancy_on_case_pages(session, vault, client, app):
    org, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, org)
    auditor = make_staff(session, org, role="auditor")
    foreign = make_staff(session, theirs)
    report = _report(session, vault, org)
    session.commit()
    sign_in(client, analyst)
    location = _post(
        client,
        f"/staff/reports/{report.id}/convert",
        {
            "is_defender": "yes",
            "business_link": "yes",
            "has_source": "yes",
            "reasons": "ok",
            "title": "T",
        },
    ).headers["location"]
    incident_id = int(location.split("/")[3])

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as reader:
        sign_in(reader, auditor)
        assert reader.get(f"/staff/incidents/{incident_id}/case").status_code == 200
        token = csrf_from(reader.get("/staff/reports").text)
        refused = reader.post(
            f"/staff/incidents/{incident_id}/notes", data={"csrf_token": token, "body": "x"}
        )
        assert refused.status_code == 403
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as outsider:
        sign_in(outsider, foreign)
        assert outsider.get(f"/staff/incidents/{incident_id}/case").status_code == 404
        token = csrf_from(outsider.get("/staff/reports").text)
        for path, data in [
            ("status", {"status": "active"}),
            ("notes", {"body": "x"}),
            ("assign", {"assignee": ""}),
            ("closure", {"reason": "other"}),
            ("closure-review", {"decision": "approve"}),
            ("risk", {"level": "extreme", "review_on": "2099-01-01"}),
        ]:
            response = outsider.post(
                f"/staff/incidents/{incident_id}/{path}", data={"csrf_token": token, **data}
            )
            assert response.status_code == 404, path
        other_report = outsider.post(
            f"/staff/reports/{report.id}/convert", data={"csrf_token": token, "title": "x"}
        )
        assert other_report.status_code == 404


def test_rejection_through_the_decision_form_keeps_the_reason(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _report(session, vault, org)
    session.commit()
    sign_in(client, analyst)
    response = _post(
        client,
        f"/staff/reports/{report.id}/convert",
        {"is_defender": "yes", "reasons": "No business link found."},
    )
    assert response.status_code == 303
    page = client.get(f"/staff/reports/{report.id}").text
    assert "No business link found." in page
    assert 'id="convert-form"' not in page


def test_tasks_are_added_and_done_from_the_case_page(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _report(session, vault, org)
    session.commit()
    sign_in(client, analyst)
    location = _post(
        client,
        f"/staff/reports/{report.id}/convert",
        {
            "is_defender": "yes",
            "business_link": "yes",
            "has_source": "yes",
            "reasons": "ok",
            "title": "T",
        },
    ).headers["location"]
    incident_id = int(location.split("/")[3])
    due = (date.today() + timedelta(days=2)).isoformat()
    _post(
        client, f"/staff/incidents/{incident_id}/tasks", {"title": "Call the lawyer", "due_on": due}
    )
    page = client.get(f"/staff/incidents/{incident_id}/case").text
    assert "Call the lawyer" in page
    task_id = page.split(f"/staff/incidents/{incident_id}/tasks/")[1].split("/done")[0]
    _post(client, f"/staff/incidents/{incident_id}/tasks/{task_id}/done", {})
    assert "Call the lawyer" not in client.get(f"/staff/incidents/{incident_id}/case").text


def test_company_found_by_matching_is_linked_to_the_case(session, vault, client):
    from vigil.companies.service import CompanyIn, upsert_company

    org = make_org(session)
    analyst = make_staff(session, org)
    company, _created = upsert_company(
        session,
        data=CompanyIn(key="t:madc", name="Minera Andina del Cauca S.A.S.", jurisdiction="CO"),
    )
    report = _report(session, vault, org)
    session.commit()
    sign_in(client, analyst)
    location = _post(
        client,
        f"/staff/reports/{report.id}/convert",
        {
            "is_defender": "yes",
            "business_link": "yes",
            "has_source": "yes",
            "reasons": "ok",
            "title": "T",
        },
    ).headers["location"]
    incident_id = int(location.split("/")[3])
    case = client.get(f"/staff/incidents/{incident_id}/case").text
    link = case.split('id="link-company"')[0].rsplit('href="', 1)[1].split('"')[0]

    found = client.get(link.replace("&amp;", "&") + "&q=minera+andina+cauca")
    assert "Minera Andina del Cauca S.A.S." in found.text
    chosen = client.get(link.replace("&amp;", "&") + f"&company_id={company.id}")
    assert chosen.status_code == 303
    confirm = client.get(chosen.headers["location"])
    assert "Minera Andina del Cauca S.A.S." in confirm.text
    token = csrf_from(confirm.text)
    done = client.post(
        f"/staff/incidents/{incident_id}/link-company",
        data={"csrf_token": token, "company_id": str(company.id)},
    )
    assert done.status_code == 303
    page = client.get(f"/staff/incidents/{incident_id}").text
    assert "Minera Andina del Cauca S.A.S." in page


def test_status_form_cannot_close_a_case_directly(session, vault, client):
    """Closing goes through the closure form (reason, second review): posting "closed" to the
    status form is a conflict from every status, and the case stays where it was."""
    org = make_org(session)
    analyst = make_staff(session, org)
    report = _report(session, vault, org)
    session.commit()
    sign_in(client, analyst)
    done = _post(
        client,
        f"/staff/reports/{report.id}/convert",
        {
            "is_defender": "yes",
            "business_link": "yes",
            "has_source": "yes",
            "reasons": "Land defender; mine nearby; direct report.",
            "title": "Threat",
            "role": "direct",
            "reliability": "high",
        },
    )
    incident_id = int(done.headers["location"].split("?")[0].split("/")[3])
    case = f"/staff/incidents/{incident_id}"
    for status in ("active", "monitoring", "resolved"):
        refused = _post(client, f"{case}/status", {"status": "closed"})
        assert refused.status_code == 409
        assert _post(client, f"{case}/status", {"status": status}).status_code == 303
    assert _post(client, f"{case}/status", {"status": "closed"}).status_code == 409
    session.expire_all()
    assert session.get(Incident, incident_id).status == "resolved"
