"""The staff side of anonymous intake: triage queue, report page, conversation with the
reporter, status moves, attachment downloads; tenancy and roles on every route."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image, PngImagePlugin
from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.inbox.service import list_open_items
from vigil.intake import choices
from vigil.intake.attachments import CleanFile, sanitise
from vigil.intake.models import Author
from vigil.intake.schemas import parse_report_form
from vigil.intake.service import FiledReport, conversation, file_report
from vigil.intake.triage import (
    change_report_status,
    get_report,
    list_triage_queue,
    read_attachment,
    reply_to_reporter,
)
from vigil.models import metadata
from vigil.organisations.models import Organisation

NARRATIVE = "Two armed men came to the house at night and said to leave the valley."


def tiny_png() -> bytes:
    image = Image.new("RGB", (4, 3), (200, 30, 30))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Reporter's own name")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def clean_png() -> CleanFile:
    return sanitise(tiny_png(), filename="IMG_0001.png", max_bytes=1_000_000)


def file(
    session,  # type: ignore[no-untyped-def]
    vault,
    org: Organisation,
    *,
    imminent: bool = False,
    age: timedelta = timedelta(0),
    attachments: list[CleanFile] | None = None,
    narrative: str = NARRATIVE,
) -> FiledReport:
    organisations = choices.receiving_organisations(session)
    form = parse_report_form(
        {
            "imminent": "yes" if imminent else "",
            "attack_type": "death_threat",
            "country": "CO",
            "narrative": narrative,
            "defender_name": "Hidden Defender Name",
            "organisation": org.slug,
        },
        codes=choices.vocabulary_codes(session),
        organisations=set(organisations),
    )
    assert not form.errors, form.errors
    filed = file_report(
        session,
        vault=vault,
        org_id=org.id,
        form=form,
        submission_id=secrets.token_urlsafe(16),
        attachments=attachments or [],
        locale="es",
    )
    filed.report.received_at = utcnow() - age
    session.flush()
    return filed


def events(session, action: str, report_id: int) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.object_id == str(report_id)
            )
        )
    )


@pytest.fixture
def reporter(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A second browser with no staff cookies: the anonymous reporter."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


# --- service --------------------------------------------------------------------------------


def test_queue_puts_imminent_first_then_oldest_and_flags_overdue(session, vault):
    org, other = make_org(session), make_org(session)
    old = file(session, vault, org, age=timedelta(days=5)).report
    recent = file(session, vault, org, age=timedelta(hours=2)).report
    urgent_new = file(session, vault, org, imminent=True, age=timedelta(minutes=10)).report
    urgent_old = file(session, vault, org, imminent=True, age=timedelta(hours=2)).report
    done = file(session, vault, org, age=timedelta(days=9)).report
    change_report_status(
        session, org_id=org.id, report_id=done.id, status="triage", actor_user_id=None
    )
    change_report_status(
        session, org_id=org.id, report_id=done.id, status="closed", actor_user_id=None
    )
    foreign = file(session, vault, other, imminent=True, age=timedelta(days=1)).report

    queue = list_triage_queue(session, org_id=org.id, now=utcnow())
    assert [row.report.id for row in queue.items] == [
        urgent_old.id,
        urgent_new.id,
        old.id,
        recent.id,
    ]
    assert queue.total == 4
    overdue = {row.report.id: row.overdue for row in queue.items}
    assert overdue == {urgent_old.id: True, urgent_new.id: False, old.id: True, recent.id: False}
    assert queue.items[0].age >= timedelta(hours=2)

    everything = list_triage_queue(session, org_id=org.id, status="all", now=utcnow())
    assert done.id in [row.report.id for row in everything.items]
    assert foreign.id not in [row.report.id for row in everything.items]
    closed = list_triage_queue(session, org_id=org.id, status="closed", now=utcnow())
    assert [(row.report.id, row.overdue) for row in closed.items] == [(done.id, False)]
    with pytest.raises(Invalid):
        list_triage_queue(session, org_id=org.id, status="nonsense", now=utcnow())

    page = list_triage_queue(session, org_id=org.id, page=2, per_page=3, now=utcnow())
    assert [row.report.id for row in page.items] == [recent.id]
    assert page.pages == 2


def test_status_moves_follow_the_rules(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = file(session, vault, org).report
    before = report.status_changed_at

    with pytest.raises(Conflict):  # received must go through triage first
        change_report_status(
            session, org_id=org.id, report_id=report.id, status="accepted", actor_user_id=None
        )
    change_report_status(
        session, org_id=org.id, report_id=report.id, status="triage", actor_user_id=analyst.user.id
    )
    assert report.status == "triage"
    assert report.status_changed_at > before
    with pytest.raises(Conflict):  # no way back
        change_report_status(
            session, org_id=org.id, report_id=report.id, status="received", actor_user_id=None
        )
    with pytest.raises(Invalid):
        change_report_status(
            session, org_id=org.id, report_id=report.id, status="nonsense", actor_user_id=None
        )
    with pytest.raises(Invalid):  # a rejection keeps its reason
        change_report_status(
            session, org_id=org.id, report_id=report.id, status="rejected", actor_user_id=None
        )
    change_report_status(
        session,
        org_id=org.id,
        report_id=report.id,
        status="rejected",
        actor_user_id=None,
        reason="No link to business activity.",
    )
    assert report.rejection_reason == "No link to business activity."
    for status in ("triage", "accepted", "closed", "received"):
        with pytest.raises(Conflict):  # rejected is final
            change_report_status(
                session, org_id=org.id, report_id=report.id, status=status, actor_user_id=None
            )

    [first, second] = events(session, "report.status_changed", report.id)
    assert first.actor_user_id == analyst.user.id
    assert '"from": "received"' in first.detail and '"to": "triage"' in first.detail
    assert '"from": "triage"' in second.detail and '"to": "rejected"' in second.detail


def test_services_refuse_other_organisations_reports(session, vault):
    mine, theirs = make_org(session), make_org(session)
    report = file(session, vault, theirs, attachments=[clean_png()]).report
    attachment = report.attachments[0]
    with pytest.raises(NotFound):
        get_report(session, org_id=mine.id, report_id=report.id, actor_user_id=None)
    with pytest.raises(NotFound):
        reply_to_reporter(
            session, vault=vault, org_id=mine.id, report_id=report.id, body="Hi", actor_user_id=None
        )
    with pytest.raises(NotFound):
        change_report_status(
            session, org_id=mine.id, report_id=report.id, status="triage", actor_user_id=None
        )
    with pytest.raises(NotFound):
        read_attachment(
            session,
            vault=vault,
            org_id=mine.id,
            report_id=report.id,
            attachment_id=attachment.id,
            actor_user_id=None,
        )
    assert report.status == "received"
    assert report.messages == []


def test_reply_is_sealed_and_part_of_the_conversation(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = file(session, vault, org).report
    message = reply_to_reporter(
        session,
        vault=vault,
        org_id=org.id,
        report_id=report.id,
        body="  Are you safe now?  ",
        actor_user_id=analyst.user.id,
    )
    assert b"safe" not in message.body_sealed
    [entry] = conversation(vault, report)
    assert (entry.author, entry.body) == (Author.staff, "Are you safe now?")
    [event] = events(session, "report.message_from_staff", report.id)
    assert event.actor_user_id == analyst.user.id
    assert "safe" not in event.detail
    with pytest.raises(Invalid):
        reply_to_reporter(
            session, vault=vault, org_id=org.id, report_id=report.id, body=" ", actor_user_id=None
        )


# --- pages ----------------------------------------------------------------------------------


def test_queue_page_shows_urgent_first_with_age_and_overdue(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    old = file(session, vault, org, age=timedelta(days=5)).report
    urgent = file(session, vault, org, imminent=True, age=timedelta(hours=3)).report
    fresh = file(session, vault, org, age=timedelta(hours=3)).report
    session.commit()
    sign_in(client, analyst)

    page = client.get("/staff/reports")
    assert page.status_code == 200
    html = page.text
    positions = [html.index(f'id="report-{r.id}"') for r in (urgent, old, fresh)]
    assert positions == sorted(positions)
    assert html.count('class="imminent"') == 1
    assert f'<tr id="report-{urgent.id}" class="overdue">' in html
    assert f'<tr id="report-{old.id}" class="overdue">' in html
    assert f'<tr id="report-{fresh.id}">' in html
    assert "5 d" in html and "3 h" in html
    assert "Colombia" in html and "Death threat" in html
    assert "Hidden Defender Name" not in html and NARRATIVE not in html

    fragment = client.get("/staff/reports?status=open", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert f'id="report-{urgent.id}"' in fragment.text

    client.get("/language/es")
    assert "Amenaza de muerte" in client.get("/staff/reports").text
    client.get("/language/en")

    none = client.get("/staff/reports?status=accepted")
    assert f'id="report-{urgent.id}"' not in none.text
    assert client.get("/staff/reports?status=nonsense").status_code == 422


def test_report_page_opens_answers_files_and_is_audited(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    clean = clean_png()
    report = file(session, vault, org, imminent=True, attachments=[clean]).report
    session.commit()
    sign_in(client, analyst)

    page = client.get(f"/staff/reports/{report.id}")
    assert page.status_code == 200
    html = page.text
    assert NARRATIVE in html
    assert "Hidden Defender Name" in html
    assert "Death threat" in html and "Colombia" in html and "Urgent" in html
    assert clean.sha256 in html
    assert "image/png" in html and "PNG text chunks" in html
    attachment = report.attachments[0]
    assert f"/staff/reports/{report.id}/attachments/{attachment.id}" in html
    assert 'id="reply-form"' in html and 'id="status-form"' in html
    [event] = events(session, "report.viewed", report.id)
    assert event.actor_user_id == analyst.user.id
    assert event.organisation_id == org.id

    assert client.get("/staff/reports/99999999999").status_code in (404, 422)
    assert client.get("/staff/reports/2147483647").status_code == 404
    assert client.get(f"/staff/reports/{report.id}/attachments/0").status_code in (404, 422)


def test_reply_reaches_the_reporter_and_the_answer_comes_back(session, vault, client, reporter):
    org = make_org(session)
    analyst = make_staff(session, org)
    filed = file(session, vault, org)
    report = filed.report
    session.commit()
    sign_in(client, analyst)

    staff_token = csrf_from(client.get(f"/staff/reports/{report.id}").text)
    response = client.post(
        f"/staff/reports/{report.id}/messages",
        data={"body": "¿Está usted a salvo ahora?", "csrf_token": staff_token},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/reports/{report.id}?done=replied"
    assert "Your message was sent." in client.get(response.headers["location"]).text
    session.refresh(report)
    assert [(e.author, e.body) for e in conversation(vault, report)] == [
        ("staff", "¿Está usted a salvo ahora?")
    ]

    token = csrf_from(reporter.get("/report/status").text)
    seen = reporter.post("/report/status", data={"receipt": filed.receipt, "csrf_token": token})
    assert seen.status_code == 200
    assert "¿Está usted a salvo ahora?" in seen.text
    answered = reporter.post(
        "/report/status",
        data={"receipt": filed.receipt, "message": "Sí, gracias", "csrf_token": token},
    )
    assert answered.status_code == 200
    assert "Sí, gracias" in answered.text

    page = client.get(f"/staff/reports/{report.id}").text
    assert page.index("¿Está usted a salvo ahora?") < page.index("Sí, gracias")

    empty = client.post(
        f"/staff/reports/{report.id}/messages", data={"body": "   ", "csrf_token": staff_token}
    )
    assert empty.status_code == 422
    assert 'id="body-error"' in empty.text


def test_reporter_is_told_why_a_message_was_not_sent_and_a_closed_report_still_listens(
    session, vault, reporter
):
    org = make_org(session)
    filed = file(session, vault, org)
    session.commit()
    token = csrf_from(reporter.get("/report/status").text)
    long = reporter.post(
        "/report/status",
        data={"receipt": filed.receipt, "message": "a" * 10_001, "csrf_token": token},
    )
    assert "Your message was not sent: please keep it under 10000 characters." in long.text
    for status in ("triage", "closed"):
        change_report_status(
            session, org_id=org.id, report_id=filed.report.id, status=status, actor_user_id=None
        )
    session.commit()
    # A closed report still hears its reporter (a defender may be threatened again), and
    # the message reaches the team's inbox.
    closed = reporter.post(
        "/report/status",
        data={"receipt": filed.receipt, "message": "They came back.", "csrf_token": token},
    )
    assert "Your message was sent." in closed.text and "They came back." in closed.text
    session.refresh(filed.report)
    assert len(filed.report.messages) == 1
    items = list_open_items(session, org_id=org.id)
    assert [(i.kind, i.object_id) for i in items] == [("reporter_message", filed.report.id)]


def test_status_form_moves_the_report_and_refuses_bad_moves(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    report = file(session, vault, org).report
    session.commit()
    sign_in(client, analyst)

    token = csrf_from(client.get(f"/staff/reports/{report.id}").text)
    moved = client.post(
        f"/staff/reports/{report.id}/status", data={"status": "triage", "csrf_token": token}
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/staff/reports/{report.id}?done=moved"
    session.refresh(report)
    assert report.status == "triage"
    back = client.post(
        f"/staff/reports/{report.id}/status", data={"status": "received", "csrf_token": token}
    )
    assert back.status_code == 409
    unknown = client.post(
        f"/staff/reports/{report.id}/status", data={"status": "x" * 19, "csrf_token": token}
    )
    assert unknown.status_code == 409
    session.refresh(report)
    assert report.status == "triage"
    assert len(events(session, "report.status_changed", report.id)) == 1


def test_attachment_download_returns_the_sanitised_bytes(session, vault, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    clean = clean_png()
    report = file(session, vault, org, attachments=[clean]).report
    attachment = report.attachments[0]
    session.commit()
    sign_in(client, analyst)

    response = client.get(f"/staff/reports/{report.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.content == clean.content
    assert b"Reporter's own name" not in response.content
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="report-{report.id}-{attachment.id}.png"'
    )
    assert response.headers["cache-control"] == "no-store"
    [event] = events(session, "report.attachment_read", report.id)
    assert event.actor_user_id == analyst.user.id
    assert str(attachment.id) in event.detail


def test_auditor_reads_but_cannot_write(session, vault, client):
    org = make_org(session)
    auditor = make_staff(session, org, role="auditor")
    report = file(session, vault, org, attachments=[clean_png()]).report
    attachment = report.attachments[0]
    session.commit()
    sign_in(client, auditor)

    assert client.get("/staff/reports").status_code == 200
    page = client.get(f"/staff/reports/{report.id}")
    assert page.status_code == 200
    assert 'id="reply-form"' not in page.text and 'id="status-form"' not in page.text
    url = f"/staff/reports/{report.id}/attachments/{attachment.id}"
    assert client.get(url).status_code == 200
    token = csrf_from(page.text)
    reply = client.post(
        f"/staff/reports/{report.id}/messages", data={"body": "Hello", "csrf_token": token}
    )
    assert reply.status_code == 403
    status = client.post(
        f"/staff/reports/{report.id}/status", data={"status": "triage", "csrf_token": token}
    )
    assert status.status_code == 403
    session.refresh(report)
    assert report.status == "received" and report.messages == []


def test_other_organisations_reports_are_missing_on_every_url(session, vault, client):
    mine, theirs = make_org(session), make_org(session)
    analyst = make_staff(session, mine)
    own = file(session, vault, mine, attachments=[clean_png()]).report
    report = file(session, vault, theirs, imminent=True, attachments=[clean_png()]).report
    attachment = report.attachments[0]
    session.commit()
    sign_in(client, analyst)

    assert f'id="report-{report.id}"' not in client.get("/staff/reports?status=all").text
    token = csrf_from(client.get("/staff/reports").text)
    assert client.get(f"/staff/reports/{report.id}").status_code == 404
    assert (
        client.post(
            f"/staff/reports/{report.id}/messages", data={"body": "Hello", "csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/staff/reports/{report.id}/status", data={"status": "triage", "csrf_token": token}
        ).status_code
        == 404
    )
    assert client.get(f"/staff/reports/{report.id}/attachments/{attachment.id}").status_code == 404
    # Their attachment under my report's id is missing too.
    assert client.get(f"/staff/reports/{own.id}/attachments/{attachment.id}").status_code == 404
    session.refresh(report)
    assert report.status == "received" and report.messages == []
    assert events(session, "report.viewed", report.id) == []
    assert events(session, "report.attachment_read", report.id) == []


def test_signed_out_visitor_is_sent_to_sign_in(session, vault, client):
    org = make_org(session)
    report = file(session, vault, org).report
    session.commit()
    for url in ("/staff/reports", f"/staff/reports/{report.id}"):
        response = client.get(url)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


# --- end to end -----------------------------------------------------------------------------


def test_whole_flow_stores_no_client_address(session, client, reporter):
    """TestClient connects from the host "testclient": it must appear in no text column."""
    org = make_org(session)
    analyst = make_staff(session, org)
    session.commit()

    form = reporter.get("/report")
    submission_id = re.search(r'name="submission_id" value="([^"]+)"', form.text)
    assert submission_id
    filed = reporter.post(
        "/report",
        data={
            "csrf_token": csrf_from(form.text),
            "submission_id": submission_id.group(1),
            "imminent": "yes",
            "attack_type": "death_threat",
            "country": "CO",
            "narrative": NARRATIVE,
            "organisation": org.slug,
        },
        files={"attachments": ("photo.png", tiny_png(), "image/png")},
    )
    assert filed.status_code == 201, filed.text
    receipt_match = re.search(r'id="receipt">([0-9 ]+)<', filed.text)
    assert receipt_match
    receipt = receipt_match.group(1)

    token = csrf_from(reporter.get("/report/status").text)
    wrong = reporter.post("/report/status", data={"receipt": "0" * 16, "csrf_token": token})
    assert wrong.status_code == 404  # a counted failure, keyed by the (hashed) client

    sign_in(client, analyst)
    queue = client.get("/staff/reports").text
    report_id = int(re.findall(r'id="report-(\d+)"', queue)[0])
    page = client.get(f"/staff/reports/{report_id}").text
    attachment_url = re.search(r'href="(/staff/reports/\d+/attachments/\d+)"', page)
    assert attachment_url
    assert client.get(attachment_url.group(1)).status_code == 200
    staff_token = csrf_from(page)
    client.post(
        f"/staff/reports/{report_id}/messages",
        data={"body": "¿Está usted a salvo ahora?", "csrf_token": staff_token},
    )
    client.post(
        f"/staff/reports/{report_id}/status", data={"status": "triage", "csrf_token": staff_token}
    )
    answer = reporter.post(
        "/report/status", data={"receipt": receipt, "message": "Sí, gracias", "csrf_token": token}
    )
    assert "¿Está usted a salvo ahora?" in answer.text

    checked = 0
    for table in metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            for column, value in zip(table.columns, row, strict=True):
                if isinstance(value, str):
                    checked += 1
                    assert "testclient" not in value.lower(), f"{table.name}.{column.name}"
                elif isinstance(value, bytes):
                    assert b"testclient" not in value.lower(), f"{table.name}.{column.name}"
    assert checked > 0
