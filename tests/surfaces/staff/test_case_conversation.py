"""The reporter's conversation belongs to the case: shown on the case page with what nobody
has read marked, answered from there, and the reporter's status page follows the case."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from tests.casework.test_casework import YES
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.accounts.models import Membership
from vigil.casework.conversion import convert_report
from vigil.core.audit import AuditEvent
from vigil.intake.choices import receiving_organisations, vocabulary_codes
from vigil.intake.models import Author
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import add_message, file_report
from vigil.organisations.models import Organisation


def _reported_case(session, vault, analyst=None):  # type: ignore[no-untyped-def]
    """A report (with its receipt) turned into a case by an analyst."""
    if analyst is None:
        analyst = make_staff(session, make_org(session))
    org = session.get(
        Organisation,
        session.scalar(
            select(Membership.organisation_id).where(Membership.user_id == analyst.user.id)
        ),
    )
    form = parse_report_form(
        {
            "country": "CO",
            "narrative": "Death threat after the hearing.",
            "attack_type": "death_threat",
            "target_kind": "person",
            "year": "2026",
        },
        codes=vocabulary_codes(session),
        organisations=set(receiving_organisations(session)),
    )
    filed = file_report(
        session,
        vault=vault,
        org_id=org.id,
        form=form,
        submission_id=secrets.token_hex(6),
        attachments=[],
        locale="es",
    )
    incident = convert_report(
        session,
        vault=vault,
        org_id=org.id,
        report_id=filed.report.id,
        inclusion=YES,
        title="Threat, Cauca",
        actor_user_id=analyst.user.id,
    )
    return filed, incident, analyst


def _staff_post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/staff/reports").text)
    return client.post(path, data={"csrf_token": token, **data})


def _reporter_page(client, receipt: str) -> str:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/report/status").text)
    page = client.post("/report/status", data={"csrf_token": token, "receipt": receipt})
    assert page.status_code == 200, page.text
    return page.text


def test_the_case_shows_the_conversation_and_clears_what_was_read(session, vault, client):
    filed, incident, analyst = _reported_case(session, vault)
    add_message(
        session, vault=vault, report=filed.report, author=Author.reporter, body="They came back."
    )
    session.commit()
    sign_in(client, analyst)

    summary = client.get(f"/staff/incidents/{incident.id}").text
    assert f'href="/staff/reports/{filed.report.id}"' in summary
    assert "1 new message" in summary

    first = client.get(f"/staff/incidents/{incident.id}/case").text
    assert f'id="thread-{filed.report.id}"' in first and "They came back." in first
    assert "unread-marker" in first and "1 new message" in first
    second = client.get(f"/staff/incidents/{incident.id}/case").text
    assert "They came back." in second
    assert "unread-marker" not in second and "new message" not in second
    assert "new message" not in client.get(f"/staff/incidents/{incident.id}").text
    reads = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.action == "report.conversation_read",
            AuditEvent.object_id == str(filed.report.id),
        )
    ).all()
    assert len(reads) == 2

    # A new message after the read is new again.
    add_message(session, vault=vault, report=filed.report, author=Author.reporter, body="Help.")
    session.commit()
    # One read mark for the team, wherever it was read: the report page reads it too.
    report_page = client.get(f"/staff/reports/{filed.report.id}").text
    assert report_page.count("unread-marker") == 1 and "Help." in report_page
    assert "unread-marker" not in client.get(f"/staff/incidents/{incident.id}/case").text


def test_an_answer_from_the_case_reaches_the_reporters_status_page(session, vault, client):
    filed, incident, analyst = _reported_case(session, vault)
    session.commit()
    sign_in(client, analyst)
    path = f"/staff/incidents/{incident.id}/reports/{filed.report.id}/messages"

    empty = _staff_post(client, path, {"body": "   "})
    assert empty.status_code == 422 and "Please write a message first." in empty.text
    sent = _staff_post(client, path, {"body": "We are on it. Stay with your family tonight."})
    assert sent.status_code == 303
    assert "We are on it." in client.get(sent.headers["location"]).text

    assert "We are on it. Stay with your family tonight." in _reporter_page(client, filed.receipt)


def test_answering_a_report_from_another_case_is_refused(session, vault, client):
    _filed, incident, analyst = _reported_case(session, vault)
    other, _other_incident, _ = _reported_case(session, vault, analyst)  # same organisation
    session.commit()
    sign_in(client, analyst)
    refused = _staff_post(
        client,
        f"/staff/incidents/{incident.id}/reports/{other.report.id}/messages",
        {"body": "Hello"},
    )
    assert refused.status_code == 404


def test_the_reporter_sees_the_case_state_and_the_closing_message(session, vault, client):
    filed, incident, analyst = _reported_case(session, vault)
    session.commit()
    assert "Accepted: the organisation is setting up a case" in _reporter_page(
        client, filed.receipt
    )
    sign_in(client, analyst)
    status = f"/staff/incidents/{incident.id}/status"
    assert _staff_post(client, status, {"status": "active"}).status_code == 303
    page = _reporter_page(client, filed.receipt)
    assert "Being handled: the organisation is working on your case" in page
    assert _staff_post(client, status, {"status": "resolved"}).status_code == 303
    assert "Being handled" in _reporter_page(client, filed.receipt)

    closed = _staff_post(
        client,
        f"/staff/incidents/{incident.id}/closure",
        {"reason": "threat_stopped", "closing_message": "The threats stopped; write any time."},
    )
    assert closed.headers["location"].endswith("done=closed")
    case_page = client.get(closed.headers["location"]).text
    assert 'id="case-closing-message">The threats stopped; write any time.' in case_page
    page = _reporter_page(client, filed.receipt)
    assert "Closed: the organisation has finished its work on this case" in page
    assert 'id="closing-message">The threats stopped; write any time.' in page

    # Reopened, the case is being handled again and the old closing message is not shown.
    assert _staff_post(client, status, {"status": "active"}).status_code == 303
    page = _reporter_page(client, filed.receipt)
    assert "Being handled" in page and "The threats stopped" not in page
