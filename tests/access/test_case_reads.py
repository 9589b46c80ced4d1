"""Every page and API that shows a case records exactly one audit entry per request (on both
databases), with the same organisation, actor and object wherever it happens; another
organisation's staff get a 404 and leave no entry. A new route that shows a case belongs in
CASE_READS."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import make_incident, make_org, make_staff, sign_in
from vigil.alerts.models import Alert
from vigil.companies.models import Company
from vigil.core.audit import AuditEvent
from vigil.playbooks.service import install_default_playbooks

# (url template, audit action); {incident}, {alert}, {company} are the owner's ids.
CASE_READS = [
    ("/staff/incidents/{incident}", "incident.viewed"),
    ("/staff/incidents/{incident}/case", "incident.case_viewed"),
    ("/staff/incidents/{incident}/alerts", "incident.alerts_viewed"),
    ("/staff/alerts/{alert}", "incident.alert_viewed"),
    ("/staff/incidents/{incident}/leverage", "incident.leverage_viewed"),
    (
        "/staff/incidents/{incident}/link-company?company_id={company}",
        "incident.link_company_viewed",
    ),
    ("/api/v1/incidents/{incident}", "incident.viewed"),
    ("/api/v1/incidents/{incident}/leverage", "incident.leverage_viewed"),
]


@pytest.fixture
def world(session, vault):  # type: ignore[no-untyped-def]
    org_a, org_b = make_org(session), make_org(session)
    owner, intruder = make_staff(session, org_a), make_staff(session, org_b)
    company = Company(name="Minera de Prueba S.A.")
    session.add(company)
    session.flush()
    incident = make_incident(session, org_a, vault=vault, company_id=company.id)
    [playbook] = [
        p for p in install_default_playbooks(session, org_id=org_a.id) if p.code == "death_threat"
    ]
    alert = Alert(organisation_id=org_a.id, incident_id=incident.id, playbook_id=playbook.id)
    session.add(alert)
    session.commit()
    ids = {"incident": incident.id, "alert": alert.id, "company": company.id}
    return owner, intruder, ids


def _entries(session, incident_id: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "incident", AuditEvent.object_id == str(incident_id))
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize(("template", "action"), CASE_READS, ids=[url for url, _ in CASE_READS])
def test_each_case_read_is_audited_once(world, app, session, template: str, action: str):
    owner, _intruder, ids = world
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, owner)
        before = len(_entries(session, ids["incident"]))
        response = client.get(template.format(**ids))
        assert response.status_code == 200, response.text[:300]
        [entry] = _entries(session, ids["incident"])[before:]
        assert entry.action == action
        assert entry.actor_user_id == owner.user.id
        assert entry.organisation_id == session.get(Alert, ids["alert"]).organisation_id

        client.get(template.format(**ids))  # each request is a new read
        assert len(_entries(session, ids["incident"])) == before + 2


def test_another_organisation_reads_nothing_and_leaves_no_entry(world, app, session):
    _owner, intruder, ids = world
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, intruder)
        before = _entries(session, ids["incident"])
        for template, _action in CASE_READS:
            response = client.get(template.format(**ids))
            assert response.status_code == 404, (template, response.status_code)
        assert _entries(session, ids["incident"]) == before
