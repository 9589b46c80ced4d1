"""The company's link page and the staff page of the right of reply, as people see them."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import csrf_from, make_staff, sign_in
from tests.responses.support import QUESTION, ask, emails, make_reply_world, token_in
from vigil.core.db import utcnow
from vigil.inbox.models import InboxItem
from vigil.responses.models import CompanyResponse, ResponseRequest

SECRETS = ("Hidden Name", "Defender A", "Cauca", "CO-CAU", "Threat against", "What happened.")


def _asked(session, settings, vault, **kwargs):  # type: ignore[no-untyped-def]
    world = make_reply_world(session, vault, **kwargs)
    request = ask(session, settings, vault, world, now=utcnow())
    (email,) = emails(session, vault)
    session.commit()
    return world, request, token_in(email)


def test_the_link_page_shows_the_question_and_never_the_defender(session, settings, vault, client):
    world, _request, token = _asked(session, settings, vault)
    page = client.get(f"/l/{token}")
    assert page.status_code == 200
    assert QUESTION in page.text
    assert f"VIGIL-{world.incident.id}" in page.text and "Minera Planted S.A." in page.text
    assert "Colombia" in page.text and "2026-03" in page.text
    for secret in SECRETS:
        assert secret not in page.text


def test_the_page_speaks_the_contacts_language(session, settings, vault, client):
    _world, _request, token = _asked(session, settings, vault, language="es")
    page = client.get(f"/l/{token}")
    assert "Derecho de réplica" in page.text


def test_an_error_keeps_what_was_typed_and_a_response_reaches_the_inbox(
    session, settings, vault, client
):
    world, request, token = _asked(session, settings, vault)
    csrf = csrf_from(client.get(f"/l/{token}").text)
    typed = "Our answer, typed with care."
    refused = client.post(
        f"/l/{token}", data={"csrf_token": csrf, "message": typed, "name": "x" * 201}
    )
    assert refused.status_code == 422
    assert typed in refused.text and 'id="reply-error"' in refused.text
    sent = client.post(
        f"/l/{token}",
        data={"csrf_token": csrf, "message": typed, "name": "R. Ortiz", "title": "Director"},
    )
    assert sent.status_code == 200 and "Thank you" in sent.text
    session.expire_all()
    (response,) = session.scalars(select(CompanyResponse))
    assert (response.request_id, response.responder_name) == (request.id, "R. Ortiz")
    (item,) = session.scalars(select(InboxItem).where(InboxItem.kind == "company_response"))
    assert item.organisation_id == world.org.id
    again = client.get(f"/l/{token}")
    assert 'id="reply-answered"' in again.text and "<textarea" not in again.text


def _answered(session, settings, vault, client, text: str):  # type: ignore[no-untyped-def]
    world, request, token = _asked(session, settings, vault)
    csrf = csrf_from(client.get(f"/l/{token}").text)
    client.post(f"/l/{token}", data={"csrf_token": csrf, "message": text})
    analyst = make_staff(session, world.org)
    session.commit()
    sign_in(client, analyst)
    return world, request


def test_the_staff_page_lists_requests_classifies_and_refuses_a_name(
    session, settings, vault, client
):
    world, request = _answered(session, settings, vault, client, "Hidden Name was never here.")
    base = f"/staff/incidents/{world.incident.id}/responses"
    page = client.get(base)
    assert page.status_code == 200
    assert QUESTION in page.text and "Hidden Name was never here." in page.text
    csrf = csrf_from(page.text)
    classified = client.post(
        f"{base}/{request.id}/classify",
        data={"csrf_token": csrf, "classification": "denial", "deflection": "yes"},
    )
    assert classified.status_code == 303
    refused = client.post(f"{base}/{request.id}/approve", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert "cannot be published" in refused.text and "a name" in refused.text
    session.expire_all()
    response = session.scalar(select(CompanyResponse))
    assert (response.classification, response.deflection) == ("denial", True)
    assert response.approved_at is None


def test_approval_and_a_follow_up_from_the_staff_page(session, settings, vault, client):
    world, request = _answered(session, settings, vault, client, "We will review our patrols.")
    base = f"/staff/incidents/{world.incident.id}/responses"
    csrf = csrf_from(client.get(base).text)
    client.post(
        f"{base}/{request.id}/classify", data={"csrf_token": csrf, "classification": "commitment"}
    )
    approved = client.post(f"{base}/{request.id}/approve", data={"csrf_token": csrf})
    assert approved.status_code == 303
    asked = client.post(
        f"{base}/{request.id}/follow-up", data={"csrf_token": csrf, "question": "By when?"}
    )
    assert asked.status_code == 303
    page = client.get(base)
    assert "Approved for publication" in page.text and "By when?" in page.text
    session.expire_all()
    follow = session.scalars(select(ResponseRequest).order_by(ResponseRequest.id)).all()[-1]
    assert follow.follow_up_of == request.id
    (_first, second) = emails(session, vault)
    csrf_link = csrf_from(client.get(f"/l/{token_in(second)}").text)
    done = client.post(
        f"/l/{token_in(second)}", data={"csrf_token": csrf_link, "message": "By June."}
    )
    assert done.status_code == 200
    session.expire_all()
    assert len(session.scalars(select(CompanyResponse)).all()) == 2


def test_the_ask_form_keeps_the_question_on_an_error(session, settings, vault, client):
    world = make_reply_world(session, vault)
    analyst = make_staff(session, world.org)
    session.commit()
    sign_in(client, analyst)
    base = f"/staff/incidents/{world.incident.id}/responses"
    page = client.get(base)
    assert "Carla Contact" in page.text
    refused = client.post(
        base,
        data={
            "csrf_token": csrf_from(page.text),
            "contact_id": str(world.contact.id),
            "question": "Please explain the patrols.",
            "deadline": "2020-01-01",
        },
    )
    assert refused.status_code == 422
    assert "Please explain the patrols." in refused.text and "in the future" in refused.text
    sent = client.post(
        base,
        data={
            "csrf_token": csrf_from(page.text),
            "contact_id": str(world.contact.id),
            "question": "Please explain the patrols.",
        },
    )
    assert sent.status_code == 303
    assert "Invited, waiting for an answer" in client.get(base).text


def test_another_organisations_analyst_gets_404(session, settings, vault, client):
    world, request, _token = _asked(session, settings, vault)
    elsewhere = make_reply_world(session, vault)
    stranger = make_staff(session, elsewhere.org)
    session.commit()
    sign_in(client, stranger)
    base = f"/staff/incidents/{world.incident.id}/responses"
    assert client.get(base).status_code == 404
    csrf = csrf_from(client.get(f"/staff/incidents/{elsewhere.incident.id}/responses").text)
    posted = client.post(
        f"{base}/{request.id}/classify", data={"csrf_token": csrf, "classification": "denial"}
    )
    assert posted.status_code == 404


def test_an_auditor_reads_but_cannot_ask(session, settings, vault, client):
    world = make_reply_world(session, vault)
    auditor = make_staff(session, world.org, role="auditor")
    session.commit()
    sign_in(client, auditor)
    base = f"/staff/incidents/{world.incident.id}/responses"
    page = client.get(base)
    assert page.status_code == 200 and 'id="ask-h"' not in page.text
    posted = client.post(
        base,
        data={
            "csrf_token": csrf_from(page.text),
            "contact_id": str(world.contact.id),
            "question": "Q",
        },
    )
    assert posted.status_code == 403
