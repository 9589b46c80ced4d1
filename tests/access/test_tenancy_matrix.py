"""IDOR matrix: an analyst of organisation B gets 404 on every object URL and API of
organisation A — pages, forms, downloads — for every object type. New object URLs belong in
OBJECT_URLS (the test fails loudly if a listed URL does not exist for A's own analyst)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from tests.casework.test_casework import YES, _report
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.casework.conversion import convert_report
from vigil.casework.emergency import EmergencyException, request_exception
from vigil.casework.models import CaseTask
from vigil.casework.persons_at_risk import add_person_at_risk
from vigil.casework.referrals import add_referral
from vigil.casework.support import add_measure
from vigil.casework.tasks import add_task
from vigil.intake.attachments import sanitise
from vigil.intake.models import ReportAttachment

# (method, url template, form data); {incident}, {report}, {attachment}, {task} are A's ids.
OBJECT_URLS = [
    ("GET", "/staff/incidents/{incident}", None),
    ("GET", "/staff/incidents/{incident}/case", None),
    ("GET", "/api/v1/incidents/{incident}", None),
    ("POST", "/staff/incidents/{incident}/status", {"status": "active"}),
    ("POST", "/staff/incidents/{incident}/closure", {"reason": "other", "note": "x"}),
    ("POST", "/staff/incidents/{incident}/closure-review", {"decision": "approve"}),
    ("POST", "/staff/incidents/{incident}/risk", {"level": "extreme", "review_on": "2099-01-01"}),
    ("POST", "/staff/incidents/{incident}/assign", {"assignee": ""}),
    ("POST", "/staff/incidents/{incident}/notes", {"body": "x"}),
    ("POST", "/staff/incidents/{incident}/tasks", {"title": "x", "due_on": "2099-01-01"}),
    ("POST", "/staff/incidents/{incident}/tasks/{task}/done", {}),
    ("POST", "/staff/incidents/{incident}/duplicate", {"duplicate_of": "{incident}"}),
    ("POST", "/staff/incidents/{incident}/measures", {"kind": "legal_aid"}),
    ("POST", "/staff/incidents/{incident}/measures/{measure}/status", {"status": "approved"}),
    ("POST", "/staff/incidents/{incident}/providers", {"name": "X", "kind": "legal_aid"}),
    (
        "POST",
        "/staff/incidents/{incident}/referrals",
        {"body_name": "UNP", "body_kind": "nhri", "sent_on": "2026-01-05"},
    ),
    (
        "POST",
        "/staff/incidents/{incident}/referrals/{referral}/answer",
        {"answer": "x", "received_on": "2026-01-06"},
    ),
    (
        "POST",
        "/staff/incidents/{incident}/consent",
        {
            "defender": "{defender}",
            "scope": "publish_alias",
            "decision": "granted",
            "method": "in_person",
            "given_by": "defender",
        },
    ),
    ("POST", "/staff/incidents/{incident}/persons", {"relation": "family", "alias": "x"}),
    ("GET", "/staff/incidents/{incident}/persons/{person}/assess", None),
    ("POST", "/staff/incidents/{incident}/persons/{person}/assess", {"level": "extreme"}),
    ("POST", "/staff/incidents/{incident}/emergency", {"reason": "Detained, life at risk."}),
    ("POST", "/staff/incidents/{incident}/emergency/{exception}/confirm", {}),
    ("POST", "/staff/incidents/{incident}/link-company", {"company_id": "1"}),
    ("POST", "/staff/incidents/{incident}/project", {"project_id": ""}),
    ("GET", "/staff/incidents/{incident}/leverage", None),
    ("GET", "/api/v1/incidents/{incident}/leverage", None),
    ("GET", "/staff/reports/{report}", None),
    ("POST", "/staff/reports/{report}/messages", {"body": "x"}),
    ("POST", "/staff/reports/{report}/status", {"status": "triage"}),
    ("POST", "/staff/reports/{report}/convert", {"title": "x"}),
    ("GET", "/staff/reports/{report}/attachments/{attachment}", None),
]


@pytest.fixture
def world(session, vault):  # type: ignore[no-untyped-def]
    org_a, org_b = make_org(session), make_org(session)
    owner, intruder = make_staff(session, org_a), make_staff(session, org_b)
    incident = convert_report(
        session,
        vault=vault,
        org_id=org_a.id,
        report_id=_report(session, vault, org_a).id,
        inclusion=YES,
        title="A's case",
        actor_user_id=owner.user.id,
    )
    report = _report(session, vault, org_a, name="Other person")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    clean = sanitise(buffer.getvalue(), filename=None, max_bytes=100_000)
    report.attachments.append(
        ReportAttachment(
            media_type=clean.media_type,
            size=len(clean.content),
            sha256_sealed=vault.seal(report.data_key_id, clean.sha256),
            stripped="",
            content_sealed=vault.seal(report.data_key_id, clean.content),
        )
    )
    task = add_task(
        session,
        org_id=org_a.id,
        incident_id=incident.id,
        title="t",
        due_on=date.today() + timedelta(days=1),
    )
    measure = add_measure(
        session,
        vault=vault,
        org_id=org_a.id,
        incident_id=incident.id,
        kind="legal_aid",
        actor_user_id=owner.user.id,
    )
    referral = add_referral(
        session,
        org_id=org_a.id,
        incident_id=incident.id,
        body_name="UNP",
        body_kind="national_protection_mechanism",
        sent_on=date(2026, 1, 5),
        actor_user_id=owner.user.id,
    )
    exception = request_exception(
        session,
        vault,
        org_id=org_a.id,
        incident_id=incident.id,
        reason="Detained, life at risk.",
        actor_user_id=owner.user.id,
    )
    person = add_person_at_risk(
        session,
        vault=vault,
        org_id=org_a.id,
        incident_id=incident.id,
        relation="family",
        alias="Relative",
        actor_user_id=owner.user.id,
    )
    session.commit()
    attachment = session.scalar(
        select(ReportAttachment.id).where(ReportAttachment.report_id == report.id)
    )
    ids = {
        "incident": incident.id,
        "report": report.id,
        "attachment": attachment,
        "task": task.id,
        "measure": measure.id,
        "referral": referral.id,
        "defender": incident.acts[0].victim_id,
        "exception": exception.id,
        "person": person.id,
    }
    return owner, intruder, ids


def _request(client: TestClient, method: str, template: str, data, ids):  # type: ignore[no-untyped-def]
    url = template.format(**ids)
    if method == "GET":
        return client.get(url)
    token = csrf_from(client.get("/staff/reports").text)
    form = {k: v.format(**ids) for k, v in (data or {}).items()}
    return client.post(url, data={"csrf_token": token, **form})


def test_every_object_url_is_404_for_another_organisation(world, app, session):
    _owner, intruder, ids = world
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as outsider:
        sign_in(outsider, intruder)
        for method, template, data in OBJECT_URLS:
            response = _request(outsider, method, template, data, ids)
            assert response.status_code == 404, (method, template, response.status_code)
    assert session.get(CaseTask, ids["task"]).done_at is None  # nothing changed
    assert session.get(EmergencyException, ids["exception"]).confirmed_at is None


def test_the_same_urls_exist_for_the_owner(world, app):
    owner, _intruder, ids = world
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, owner)
        for method, template, _data in OBJECT_URLS:
            if method != "GET":
                continue  # the owner's POSTs are covered by the casework and triage tests
            response = _request(client, method, template, None, ids)
            assert response.status_code == 200, (template, response.status_code)
