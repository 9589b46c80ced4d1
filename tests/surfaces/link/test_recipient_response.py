"""The recipient's link pages say which alert they are about (and nothing about the defender),
and the response form takes who answered, one cleaned file and whether it may be published."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy import select

from tests.alerts.recipient_support import AlertWorld, audit_rows, link_for
from tests.factories import csrf_from, make_incident, make_org, make_staff, sign_in
from vigil.alerts.models import Alert, AlertRecipient, AlertResponse, AlertTier
from vigil.alerts.response_models import ResponseDetails
from vigil.companies.models import Company
from vigil.contacts.models import Contact

LAUNCHED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _world(session, vault, *, language: str = "en", hours: float | None = 48) -> AlertWorld:  # type: ignore[no-untyped-def]
    org = make_org(session)
    company = Company(name="Minera Planted S.A.")
    session.add(company)
    session.flush()
    incident = make_incident(session, org, vault=vault, company_id=company.id)
    contact = Contact(
        organisation_id=org.id, name="Ana", language=language, email="ana@operator.example"
    )
    alert = Alert(
        organisation_id=org.id, incident_id=incident.id, status="active", launched_at=LAUNCHED
    )
    session.add_all([contact, alert])
    session.flush()
    session.add(
        AlertTier(alert_id=alert.id, tier=1, notified_at=LAUNCHED, escalate_after_hours=hours)
    )
    session.add(AlertRecipient(alert_id=alert.id, contact_id=contact.id, tier=1))
    session.flush()
    return AlertWorld(org=org, incident=incident, alert=alert, contact=contact, other=contact)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _details(session) -> list[ResponseDetails]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(ResponseDetails)))


def test_the_pages_say_which_alert_and_nothing_about_the_defender(session, vault, settings, client):
    world = _world(session, vault)
    tokens = [link_for(session, settings, world, p) for p in ("respond", "acknowledge")]
    session.commit()
    for token in tokens:
        page = client.get(f"/l/{token}")
        assert page.status_code == 200
        assert f"VIGIL-{world.incident.id}" in page.text
        assert "Minera Planted S.A." in page.text
        assert "Nov 2, 2026" in page.text  # the alert's date
        assert "Nov 4, 2026" in page.text  # its deadline: 48 hours later
        for secret in ("Defender A", "Hidden Name", "Cauca", "Threat against", "death"):
            assert secret not in page.text


def test_the_page_speaks_the_recipients_language_and_says_when_there_is_no_deadline(
    session, vault, settings, client
):
    world = _world(session, vault, language="es", hours=None)
    token = link_for(session, settings, world, "request_info")
    session.commit()
    page = client.get(f"/l/{token}")
    assert "Referencia del caso" in page.text and "Empresa" in page.text
    assert "Lo antes posible" in page.text


def _respond_with_a_file(session, vault, settings, client):  # type: ignore[no-untyped-def]
    """A response through the link page with name, title, a PNG and "may be published"."""
    world = _world(session, vault)
    token = link_for(session, settings, world, "respond")
    session.commit()
    page = client.get(f"/l/{token}")
    assert 'enctype="multipart/form-data"' in page.text
    done = client.post(
        f"/l/{token}",
        data={
            "csrf_token": csrf_from(page.text),
            "stance": "substantive",
            "message": "We suspended the contractor.",
            "name": "María Pérez",
            "title": "Head of human rights",
            "publish": "yes",
        },
        files={"attachment": ("our-letter.png", _png(), "image/png")},
    )
    assert done.status_code == 200, done.text
    assert "your message was sent to the team" in done.text
    [details] = _details(session)
    assert (details.responder_name, details.responder_title) == (
        "María Pérez",
        "Head of human rights",
    )
    assert details.may_publish is True
    assert details.file_media_type == "image/png"
    content = vault.open_bytes(details.data_key_id, details.file_content_sealed)
    assert content is not None and content.startswith(b"\x89PNG")
    assert b"our-letter" not in details.file_content_sealed  # the file name is never kept
    response = session.get(AlertResponse, details.response_id)
    assert response is not None and response.contact_id == world.contact.id
    return world, response, content


def test_the_response_keeps_name_title_file_and_publication_choice(
    session, vault, settings, client
):
    _respond_with_a_file(session, vault, settings, client)


def test_staff_see_who_responded_and_download_the_cleaned_file(session, vault, settings, client):
    world, response, content = _respond_with_a_file(session, vault, settings, client)
    client.cookies.clear()
    sign_in(client, make_staff(session, world.org, role="analyst"))
    session.commit()
    page = client.get(f"/staff/alerts/{world.alert.id}").text
    assert "María Pérez, Head of human rights" in page and "May be published" in page
    url = f"/staff/alerts/{world.alert.id}/responses/{response.id}/file"
    assert url in page
    download = client.get(url)
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"] == "image/png"
    assert "sandbox" in download.headers["content-security-policy"]
    assert len(audit_rows(session, "alert.response_file_read")) == 1
    assert (
        client.get(f"/staff/alerts/{world.alert.id}/responses/{response.id + 1}/file").status_code
        == 404
    )


def test_without_a_file_and_the_choice_left_alone_the_response_is_not_for_publication(
    session, vault, settings, client
):
    world = _world(session, vault)
    token = link_for(session, settings, world, "respond")
    session.commit()
    page = client.get(f"/l/{token}")
    assert 'name="publish" value="no" checked' in page.text
    client.post(
        f"/l/{token}",
        data={"csrf_token": csrf_from(page.text), "stance": "declined", "message": "No."},
    )
    [details] = _details(session)
    assert details.may_publish is False and details.file_media_type is None
    assert details.responder_name == ""


def test_a_file_that_cannot_be_cleaned_returns_the_form_as_typed(session, vault, settings, client):
    world = _world(session, vault)
    token = link_for(session, settings, world, "respond")
    session.commit()
    page = client.get(f"/l/{token}")
    form = {
        "csrf_token": csrf_from(page.text),
        "stance": "declined",
        "message": "Our answer, typed with care.",
        "name": "María Pérez",
        "title": "Head of human rights",
        "publish": "yes",
    }
    refused = client.post(
        f"/l/{token}", data=form, files={"attachment": ("notes.txt", b"plain text", "text/plain")}
    )
    assert refused.status_code == 422
    assert "of a type we cannot accept" in refused.text
    assert "choose a file again" in refused.text
    for typed in ("Our answer, typed with care.", "María Pérez", "Head of human rights"):
        assert typed in refused.text
    assert 'value="yes" checked' in refused.text and 'value="declined" checked' in refused.text
    assert session.scalars(select(AlertResponse)).all() == []  # nothing kept, link unused
    retried = client.post(f"/l/{token}", data=form)
    assert retried.status_code == 200 and len(_details(session)) == 1


def test_a_name_one_character_too_long_returns_the_form(session, vault, settings, client):
    world = _world(session, vault)
    token = link_for(session, settings, world, "respond")
    session.commit()
    csrf = csrf_from(client.get(f"/l/{token}").text)
    form = {"csrf_token": csrf, "stance": "substantive", "message": "Done.", "name": "n" * 201}
    refused = client.post(f"/l/{token}", data=form)
    assert refused.status_code == 422 and "under 200 characters" in refused.text
    assert "Done." in refused.text
    accepted = client.post(f"/l/{token}", data={**form, "name": "n" * 200})
    assert accepted.status_code == 200
    assert _details(session)[0].responder_name == "n" * 200
