"""Referrals through HTTP (roles, tenancy) and the case-page partial."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.casework.test_referrals import _refer
from tests.casework.test_support import _case
from tests.factories import make_org, make_staff, sign_in
from tests.surfaces.staff.test_case_support import _post, _staff
from vigil.casework.labels import label
from vigil.casework.models import Referral
from vigil.casework.referrals import add_business_days, referral_context
from vigil.web.templating import templates

TODAY = date.today()


def test_analyst_refers_a_case_with_a_business_day_deadline_and_records_the_answer(
    session, vault, client
):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    session.commit()
    sign_in(client, analyst)
    base = f"/staff/incidents/{incident.id}"
    sent_on = TODAY - timedelta(days=7)

    done = _post(
        client,
        f"{base}/referrals",
        {
            "body_name": "Defensoría del Pueblo",
            "body_kind": "nhri",
            "sent_on": sent_on.isoformat(),
            "business_days": "30",
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"{base}/case?done=referral_sent#referrals-h"
    referral = session.scalar(select(Referral).where(Referral.incident_id == incident.id))
    assert referral is not None
    assert referral.deadline_on == add_business_days(sent_on, 30, incident.country)  # holidays

    for bad in (
        {"sent_on": "", "body_name": "X", "body_kind": "nhri"},
        {"sent_on": TODAY.isoformat(), "body_name": "X", "body_kind": "nhri", "business_days": "x"},
        {"sent_on": TODAY.isoformat(), "body_name": "X", "body_kind": "ministry"},
    ):
        assert _post(client, f"{base}/referrals", bad).status_code == 422

    answer = f"{base}/referrals/{referral.id}/answer"
    assert (
        _post(
            client, answer, {"answer": "Measures granted.", "received_on": TODAY.isoformat()}
        ).status_code
        == 303
    )
    assert (
        _post(client, answer, {"answer": "Again.", "received_on": TODAY.isoformat()}).status_code
        == 409
    )
    session.refresh(referral)
    assert referral.answered_on == TODAY


def test_auditors_cannot_post_and_other_organisations_get_not_found(session, vault, app):
    org, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, org)
    auditor, foreign = make_staff(session, org, role="auditor"), make_staff(session, theirs)
    incident = _case(session, vault, org, analyst)
    sibling = _case(session, vault, org, analyst, name="Someone Else")
    referral = _refer(session, org, incident, analyst)
    session.commit()
    base = f"/staff/incidents/{incident.id}"
    routes = [
        (
            f"{base}/referrals",
            {"body_name": "UNP", "body_kind": "other", "sent_on": TODAY.isoformat()},
        ),
        (
            f"{base}/referrals/{referral.id}/answer",
            {"answer": "x", "received_on": TODAY.isoformat()},
        ),
    ]
    for account, expected in ((auditor, 403), (foreign, 404)):
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            sign_in(client, account)
            for path, data in routes:
                assert _post(client, path, data).status_code == expected, path
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, analyst)
        path = f"/staff/incidents/{sibling.id}/referrals/{referral.id}/answer"
        assert (
            _post(client, path, {"answer": "x", "received_on": TODAY.isoformat()}).status_code
            == 404
        )
    session.refresh(referral)
    assert referral.answered_on is None
    assert (
        session.scalar(
            select(Referral).where(Referral.incident_id == incident.id, Referral.body_name == "UNP")
        )
        is None
    )


def test_referrals_partial_flags_missed_deadlines_and_shows_answers(session, vault):
    org = make_org(session)
    analyst, auditor = make_staff(session, org), make_staff(session, org, role="auditor")
    incident = _case(session, vault, org, analyst)
    late = _refer(
        session,
        org,
        incident,
        analyst,
        body_name="Late body",
        deadline_on=TODAY - timedelta(days=2),
    )
    template = templates.env.get_template("staff/casework/_referrals.html")
    context = referral_context(session, vault=vault, org_id=org.id, incident=incident)
    common = {"incident": incident, "request": None, "csrf_token": lambda _r: "tok", "label": label}

    html = template.render(**context, **common, staff=_staff(analyst, org, "analyst"))
    assert 'id="referral-form"' in html and "30 business days after sending" in html
    assert "Late body" in html and 'class="overdue"' in html
    assert f'action="/staff/incidents/{incident.id}/referrals/{late.id}/answer"' in html
    assert "National protection mechanism" in html

    read_only = template.render(**context, **common, staff=_staff(auditor, org, "auditor"))
    assert 'id="referral-form"' not in read_only and "/answer" not in read_only


def test_an_emergency_referral_is_posted_with_its_time_and_shown_in_hours(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    session.commit()
    sign_in(client, analyst)
    base = f"/staff/incidents/{incident.id}"
    sent_on = TODAY - timedelta(days=1)
    form = {
        "body_name": "CIDH, medidas cautelares",
        "body_kind": "iachr_precautionary",
        "sent_on": sent_on.isoformat(),
        "sent_time": "21:15",
        "deadline_hours": "72",
    }
    assert _post(client, f"{base}/referrals", form).status_code == 303
    referral = session.scalar(select(Referral).where(Referral.incident_id == incident.id))
    assert referral is not None
    sent_at = datetime.combine(sent_on, time(21, 15), UTC)
    assert referral.sent_at == sent_at
    assert referral.deadline_at == sent_at + timedelta(hours=72)
    for bad in ({"sent_time": "9pm"}, {"deadline_hours": "x"}, {"business_days": "10"}):
        assert _post(client, f"{base}/referrals", {**form, **bad}).status_code == 422

    page = client.get(f"{base}/case")
    assert page.status_code == 200
    assert "72 hours after sending" in page.text and "hours left" in page.text
    assert 'name="deadline_hours"' in page.text and 'name="sent_time"' in page.text


def test_the_page_says_what_each_body_is_for_and_its_usual_deadline(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = _case(session, vault, org, analyst)
    template = templates.env.get_template("staff/casework/_referrals.html")
    context = referral_context(session, vault=vault, org_id=org.id, incident=incident)
    common = {"incident": incident, "request": None, "csrf_token": lambda _r: "tok", "label": label}
    html = template.render(**context, **common, staff=_staff(analyst, org, "analyst"))
    for kind in ("iachr_precautionary", "helpline", "oecd_ncp", "icoca", "dfi_accountability"):
        assert f'id="referral-body-{kind}"' in html
        assert f'<option value="{kind}">' in html
    assert "IACHR precautionary measures · <strong>72 hours</strong>" in html
    assert "Emergency helpline · <strong>24 hours</strong>" in html
    assert "armed escort" in html  # the national mechanism's warning
