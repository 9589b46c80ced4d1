"""Linking a case to the project or site where it happened: when naming the company (the
confirmation step) or later from the case page; only projects of the companies involved;
tenancy-checked, audited, shown on the case page, and feeding the leverage map."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.companies.service import (
    CompanyIn,
    ProjectIn,
    RelationshipIn,
    upsert_company,
    upsert_project,
    upsert_relationship,
)
from vigil.core.audit import AuditEvent
from vigil.incidents.models import Incident


def _world(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    minera, _ = upsert_company(
        session, data=CompanyIn(key="c:minera", name="Minera Andina S.A.S.", jurisdiction="CO")
    )
    cobre, _ = upsert_company(session, data=CompanyIn(key="c:cobre", name="Cobre del Sur SA"))
    upsert_company(session, data=CompanyIn(key="c:partner", name="Socio Operador SA"))
    roble, _ = upsert_project(
        session,
        data=ProjectIn(
            key="c:roble", name="El Roble mine", kind="mine", country="CO", operator_key="c:minera"
        ),
    )
    sur, _ = upsert_project(
        session,
        data=ProjectIn(
            key="c:sur", name="Mina Sur", kind="mine", country="PE", operator_key="c:cobre"
        ),
    )
    # A second operator of El Roble, known only through an operator relationship.
    upsert_relationship(
        session,
        data=RelationshipIn(
            key="c:co-op",
            kind="operator",
            from_company_key="c:partner",
            to_project_key="c:roble",
            source="Concession register (fictional)",
        ),
    )
    incident = make_incident(session, org, vault=vault, title="Threat at the mine gate")
    analyst = make_staff(session, org)
    session.commit()
    return {
        "org": org,
        "analyst": analyst,
        "incident": incident,
        "minera": minera,
        "cobre": cobre,
        "roble": roble,
        "sur": sur,
    }


def _link_company(client, incident_id, company_id, project_id=""):  # type: ignore[no-untyped-def]
    confirm = client.get(
        f"/staff/incidents/{incident_id}/link-company", params={"company_id": company_id}
    )
    assert confirm.status_code == 200
    return confirm, client.post(
        f"/staff/incidents/{incident_id}/link-company",
        data={
            "csrf_token": csrf_from(confirm.text),
            "company_id": str(company_id),
            "project_id": str(project_id),
        },
    )


def _project_of(session, incident_id):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Incident, incident_id).project_id


def _actions(session):  # type: ignore[no-untyped-def]
    return session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("incident.project_%"))
        .order_by(AuditEvent.id)
    ).all()


def test_project_is_picked_when_the_company_is_named(session, vault, client):
    w = _world(session, vault)
    sign_in(client, w["analyst"])
    incident_id = w["incident"].id

    confirm = client.get(
        f"/staff/incidents/{incident_id}/link-company", params={"company_id": w["minera"].id}
    )
    assert "El Roble mine" in confirm.text
    assert "Mina Sur" not in confirm.text  # another company's project is not offered
    assert 'name="project_id" value="" checked' in confirm.text  # none unless chosen

    _confirm, done = _link_company(client, incident_id, w["minera"].id, w["roble"].id)
    assert done.status_code == 303
    assert _project_of(session, incident_id) == w["roble"].id
    case = client.get(f"/staff/incidents/{incident_id}/case").text
    shown = case.split('id="case-project">')[1].split("</dd>")[0]
    assert "El Roble mine" in shown and "Minera Andina S.A.S." in shown
    assert f'href="/staff/projects/{w["roble"].id}"' in shown
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident.project_linked")
    ).one()
    assert event.object_id == str(incident_id)
    assert event.actor_user_id == w["analyst"].user.id
    assert event.detail == f'{{"project": {w["roble"].id}}}'


def test_project_is_changed_and_unlinked_from_the_case_page(session, vault, client):
    w = _world(session, vault)
    sign_in(client, w["analyst"])
    incident_id = w["incident"].id
    case = client.get(f"/staff/incidents/{incident_id}/case").text
    assert 'id="case-project-form"' not in case  # no company named yet: nothing to choose
    assert "None linked" in case

    _link_company(client, incident_id, w["minera"].id)
    _link_company(client, incident_id, w["cobre"].id)
    assert _project_of(session, incident_id) is None  # naming a company alone links none
    case = client.get(f"/staff/incidents/{incident_id}/case").text
    form = case.split('id="case-project-form"')[1].split("</form>")[0]
    assert "El Roble mine" in form and "Mina Sur" in form
    token = csrf_from(case)

    url = f"/staff/incidents/{incident_id}/project"
    for project_id in (w["roble"].id, w["sur"].id):
        response = client.post(url, data={"csrf_token": token, "project_id": str(project_id)})
        assert response.status_code == 303
        assert _project_of(session, incident_id) == project_id
    case = client.get(f"/staff/incidents/{incident_id}/case").text
    assert f'<option value="{w["sur"].id}" selected>' in case
    assert client.post(url, data={"csrf_token": token, "project_id": ""}).status_code == 303
    assert _project_of(session, incident_id) is None
    assert "None linked" in client.get(f"/staff/incidents/{incident_id}/case").text
    # Saving the same choice again records nothing.
    client.post(url, data={"csrf_token": token, "project_id": ""})
    assert _actions(session) == [
        "incident.project_linked",
        "incident.project_linked",
        "incident.project_unlinked",
    ]


def test_another_companys_project_is_refused(session, vault, client):
    w = _world(session, vault)
    sign_in(client, w["analyst"])
    incident_id = w["incident"].id

    # Naming Minera with Cobre's project: refused, and the company is not named either.
    _confirm, refused = _link_company(client, incident_id, w["minera"].id, w["sur"].id)
    assert refused.status_code == 422
    assert "operated by a company involved in the case" in refused.text
    session.expire_all()
    assert _project_of(session, incident_id) is None
    assert "Minera Andina S.A.S." not in client.get(f"/staff/incidents/{incident_id}").text

    _link_company(client, incident_id, w["minera"].id)
    token = csrf_from(client.get(f"/staff/incidents/{incident_id}/case").text)
    url = f"/staff/incidents/{incident_id}/project"
    response = client.post(url, data={"csrf_token": token, "project_id": str(w["sur"].id)})
    assert response.status_code == 422
    assert client.post(url, data={"csrf_token": token, "project_id": "2000000000"}).status_code == (
        404
    )
    assert client.post(url, data={"csrf_token": token, "project_id": "x"}).status_code == 422
    assert _project_of(session, incident_id) is None
    assert _actions(session) == []


def test_another_organisations_case_is_not_found(session, vault, client):
    w = _world(session, vault)
    stranger = make_staff(session, make_org(session))
    session.commit()
    sign_in(client, stranger)
    incident_id = w["incident"].id
    token = csrf_from(client.get("/staff/incidents").text)

    assert (
        client.get(
            f"/staff/incidents/{incident_id}/link-company", params={"company_id": w["minera"].id}
        ).status_code
        == 404
    )
    for url, data in (
        (f"/staff/incidents/{incident_id}/project", {"project_id": str(w["roble"].id)}),
        (
            f"/staff/incidents/{incident_id}/link-company",
            {"company_id": str(w["minera"].id), "project_id": str(w["roble"].id)},
        ),
    ):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    assert _project_of(session, incident_id) is None


def test_auditors_cannot_link_a_project(session, vault, client):
    w = _world(session, vault)
    auditor = make_staff(session, w["org"], role="auditor")
    session.commit()
    sign_in(client, auditor)
    incident_id = w["incident"].id
    case = client.get(f"/staff/incidents/{incident_id}/case")
    assert 'id="case-project-form"' not in case.text
    response = client.post(
        f"/staff/incidents/{incident_id}/project",
        data={"csrf_token": csrf_from(case.text), "project_id": str(w["roble"].id)},
    )
    assert response.status_code == 403


def test_leverage_map_starts_from_the_linked_projects_operators(session, vault, client):
    w = _world(session, vault)
    sign_in(client, w["analyst"])
    incident_id = w["incident"].id
    _link_company(client, incident_id, w["minera"].id)

    def roles() -> dict[str, str]:
        body = client.get(f"/api/v1/incidents/{incident_id}/leverage").json()
        return {e["actor"]["name"]: e["role"] for e in body["entries"]}

    before = roles()
    assert before["Minera Andina S.A.S."] == "involved"
    assert "Socio Operador SA" not in before

    token = csrf_from(client.get(f"/staff/incidents/{incident_id}/case").text)
    client.post(
        f"/staff/incidents/{incident_id}/project",
        data={"csrf_token": token, "project_id": str(w["roble"].id)},
    )
    after = roles()
    assert after["Minera Andina S.A.S."] == "operator"
    assert after["Socio Operador SA"] == "operator"  # through the operator relationship
    page = client.get(f"/staff/incidents/{incident_id}/leverage")
    assert page.status_code == 200 and "Socio Operador SA" in page.text
