"""Emergency grants through plain HTML forms (JavaScript off): two coordinators, the
organisation's threshold set on the settings page, the four steps on the case page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.casework.test_support import _case
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.casework.models import SupportMeasure
from vigil.core.audit import AuditEvent
from vigil.organisations.models import Organisation


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


def _client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def test_grant_workflow_with_four_eyes_through_the_forms(session, vault, app):
    org = make_org(session)
    requester = make_staff(session, org, role="coordinator")
    second = make_staff(session, org, role="coordinator")
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, requester)
    session.commit()
    base = f"/staff/incidents/{incident.id}"

    with _client(app) as client:
        sign_in(client, requester)
        wrong = _post(client, "/staff/organisation/grants", {"thresholds": "USD: 5,00"})
        assert wrong.status_code == 422 and 'id="grants-error"' in wrong.text
        assert "USD: 5,00" in wrong.text  # shown again as typed
        saved = _post(client, "/staff/organisation/grants", {"thresholds": "usd: 500"})
        assert saved.status_code == 303
        session.expire_all()
        assert session.get(Organisation, org.id).grant_thresholds == {"USD": 50000}
        assert "USD: 500.00" in client.get("/staff/organisation").text

        page = client.get(f"{base}/case").text
        assert 'id="grant-form"' in page
        asked = _post(
            client,
            f"{base}/measures",
            {
                "kind": "emergency_grant",
                "amount": "500.01",
                "currency": "usd",
                "notes": "Bus tickets and a month's rent.",
            },
        )
        assert asked.status_code == 303
        grant = session.scalar(
            select(SupportMeasure).where(SupportMeasure.incident_id == incident.id)
        )
        assert grant is not None and grant.currency == "USD"
        page = client.get(f"{base}/case").text
        assert f'id="grant-{grant.id}-decision"' in page
        assert "a coordinator other than the requester must approve" in page
        grants = f"{base}/grants/{grant.id}"
        early = _post(client, f"{grants}/disbursement", {"method": "cash"})
        assert early.status_code == 409 and "approved before it is disbursed" in early.text
        own = _post(client, f"{grants}/decision", {"decision": "approve"})
        assert own.status_code == 403 and "another coordinator" in own.text

    with _client(app) as client:
        sign_in(client, analyst)
        refused = _post(client, f"{grants}/decision", {"decision": "approve"})
        assert refused.status_code == 403

    with _client(app) as client:
        sign_in(client, second)
        assert _post(client, f"{grants}/decision", {"decision": "approve"}).status_code == 303
        done = _post(client, f"{grants}/disbursement", {"method": "bank_transfer"})
        assert done.status_code == 303
        reported = _post(client, f"{grants}/report", {"report": "Rent paid in the new town."})
        assert reported.status_code == 303
        page = client.get(f"{base}/case").text
        assert "Rent paid in the new town." in page and "Bank transfer" in page
        assert "Use reported" in page
        again = _post(client, f"{grants}/report", {"report": "Twice"})
        assert again.status_code == 409

    session.expire_all()
    grant = session.get(SupportMeasure, grant.id)
    assert grant.status == "reported" and grant.approved_by_id == second.user.id
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.organisation_id == org.id, AuditEvent.action.like("grant.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["grant.approved", "grant.disbursed", "grant.reported"]
