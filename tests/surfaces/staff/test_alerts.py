"""The analyst's alert pages with plain form posts (JavaScript off): prepare from the case,
review recipients, write the note, preview in each language, send, follow the timeline; the
dashboard shows how fast it went. Auditors read only; other organisations see nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.alerts.models import Alert, AlertRecipient
from vigil.core.audit import AuditEvent
from vigil.demo.alerts import load_alert_demo
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery


@pytest.fixture
def case(session, settings, vault, demo_data):  # type: ignore[no-untyped-def]
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    return org, incident


def _post(client, page_url: str, action: str, data: dict):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def test_prepare_review_preview_and_send_without_javascript(session, client, case):
    org, incident = case
    analyst = make_staff(session, org, "analyst")
    sign_in(client, analyst)
    case_url = f"/staff/incidents/{incident.id}/alerts"
    page = client.get(case_url)
    assert page.status_code == 200
    assert "Proposed for this attack:" in page.text and "Death threat" in page.text

    drafted = _post(client, case_url, case_url, {"playbook": ""})
    assert drafted.status_code == 303
    alert_url = drafted.headers["location"].split("?")[0]
    alert = session.get(Alert, int(alert_url.rsplit("/", 1)[1]))
    page = client.get(alert_url)
    assert "Guidance for the analyst" in page.text and "Safety first" in page.text
    assert "Julián Ortega (fictional)" in page.text
    assert 'id="preview-es"' in page.text and 'id="preview-en"' in page.text

    noted = _post(
        client,
        alert_url,
        f"{alert_url}/message",
        {"share_level": "alias", "note": "Two men on motorbikes delivered the threat."},
    )
    assert noted.status_code == 303
    assert "Two men on motorbikes" in client.get(alert_url).text

    tier1 = session.scalars(
        select(AlertRecipient.id).where(
            AlertRecipient.alert_id == alert.id, AlertRecipient.tier == 1
        )
    ).all()
    kept = _post(client, alert_url, f"{alert_url}/recipients", {"recipient": tier1})
    assert kept.status_code == 303

    sent = _post(client, alert_url, f"{alert_url}/launch", {})
    assert sent.status_code == 303
    session.refresh(alert)
    assert alert.status == "active"
    deliveries = session.scalars(select(Delivery).where(Delivery.alert_id == alert.id)).all()
    assert {d.tier for d in deliveries} == {1} and len(deliveries) == len(tier1)
    page = client.get(alert_url)
    assert 'id="timeline"' in page.text and 'hx-trigger="every 10s"' in page.text
    assert "Send the alert" not in page.text  # no second launch
    fragment = client.get(f"{alert_url}/timeline", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert re.search(r"Queued</strong> · tier 1", fragment.text)

    # Viewing is audited like any access to the case.
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == str(incident.id))
    ).all()
    assert "incident.alert_viewed" in actions and "incident.alerts_viewed" in actions

    dashboard = client.get("/staff/dashboard")
    assert 'id="alert-speed"' in dashboard.text
    assert "Active alerts" in dashboard.text


def test_auditor_reads_but_cannot_act(session, client, case):
    org, incident = case
    auditor = make_staff(session, org, "auditor")
    sign_in(client, auditor)
    case_url = f"/staff/incidents/{incident.id}/alerts"
    page = client.get(case_url)
    assert page.status_code == 200 and 'id="draft-form"' not in page.text
    refused = client.post(case_url, data={"csrf_token": csrf_from(page.text)})
    assert refused.status_code == 403


def test_another_organisation_sees_nothing(session, client, case, settings, vault):
    org, incident = case
    from vigil.alerts.service import draft_alert

    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    outsider = make_staff(session, make_org(session), "coordinator")
    sign_in(client, outsider)
    for url in (
        f"/staff/incidents/{incident.id}/alerts",
        f"/staff/alerts/{alert.id}",
        f"/staff/alerts/{alert.id}/timeline",
    ):
        assert client.get(url).status_code == 404, url
    token = csrf_from(client.get("/staff/dashboard").text)
    for action in ("launch", "message", "recipients", "stop"):
        response = client.post(f"/staff/alerts/{alert.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 404, action
    assert session.get(Alert, alert.id).status == "draft"


def test_the_submission_pack_is_downloaded_from_the_alert_page_with_consent_only(
    session, client, case
):
    from vigil.alerts.service import draft_alert
    from vigil.defenders.consent import ConsentScope, record_consent
    from vigil.incidents.models import Act

    org, incident = case
    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    sign_in(client, make_staff(session, org, "analyst"))
    alert_url = f"/staff/alerts/{alert.id}"
    page = client.get(alert_url)
    assert "Download the submission pack" in page.text
    pack_url = f"{alert_url}/submission-pack"
    refused = _post(client, alert_url, pack_url, {})
    assert refused.status_code == 409
    victims = session.scalars(select(Act.victim_id).where(Act.incident_id == incident.id))
    for victim_id in set(victims):
        for scope in (ConsentScope.share_un_regional, ConsentScope.share_with_stakeholders):
            record_consent(
                session,
                org_id=org.id,
                defender_id=victim_id,
                scope=scope,
                decision="grant",
                method="in_person",
                given_by="defender",
                actor_user_id=None,
            )
    pack = _post(client, alert_url, pack_url, {})
    assert pack.status_code == 200
    assert pack.headers["content-type"].startswith("text/markdown")
    assert "attachment" in pack.headers["content-disposition"]
    assert pack.headers["cache-control"] == "no-store"
    assert "# Submission to the UN special procedures" in pack.text
