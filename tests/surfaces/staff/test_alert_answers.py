"""Staff answer a recipient's request for information from the alert page: the answer is kept,
on the timeline and the audit log, and queued to that recipient in their language; an answer
that would reveal a name or a place the consent does not allow needs an explicit confirmation."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.alerts.recipient_support import audit_rows, make_alert_world
from tests.factories import csrf_from, make_staff, sign_in
from vigil.alerts.models import AlertEvent, AlertResponse
from vigil.alerts.response_models import AlertAnswer
from vigil.outbox.models import Delivery
from vigil.outbox.service import open_content

PLACE = "Vereda El Roble, Suárez"


def _asked(session, vault, *, share_level: str = "alias", language: str = "es"):  # type: ignore[no-untyped-def]
    world = make_alert_world(session, vault, language=language)
    world.alert.share_level = share_level
    world.incident.place_sealed = vault.seal(world.incident.data_key_id, PLACE)
    request = AlertResponse(
        organisation_id=world.org.id,
        alert_id=world.alert.id,
        contact_id=world.contact.id,
        kind="info_request",
        data_key_id=world.incident.data_key_id,
        body_sealed=vault.seal(world.incident.data_key_id, "Where exactly did it happen?"),
    )
    session.add(request)
    session.flush()
    return world, request


def _open(session, client, world, role: str = "analyst") -> str:  # type: ignore[no-untyped-def]
    sign_in(client, make_staff(session, world.org, role=role))
    session.commit()
    page = client.get(f"/staff/alerts/{world.alert.id}")
    assert page.status_code == 200
    return page.text


def _answers(session) -> list[AlertAnswer]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(select(AlertAnswer)))


def _sent(session, vault) -> list[tuple[Delivery, dict]]:  # type: ignore[no-untyped-def]
    rows = session.scalars(select(Delivery).where(Delivery.purpose == "answer")).all()
    return [(d, open_content(vault, d)) for d in rows]


def test_an_answer_is_recorded_and_queued_to_that_recipient_in_their_language(
    session, vault, client
):
    world, request = _asked(session, vault)
    page = _open(session, client, world)
    assert "Where exactly did it happen?" in page and "Answer this request" in page
    answer = "The security contractor of the operator was involved."
    done = client.post(
        f"/staff/alerts/{world.alert.id}/answers",
        data={"csrf_token": csrf_from(page), "response": str(request.id), "text": answer},
        follow_redirects=False,
    )
    assert done.status_code == 303
    [kept] = _answers(session)
    assert kept.contact_id == world.contact.id and kept.response_id == request.id
    assert kept.warning_overridden is False
    assert vault.open(kept.data_key_id, kept.body_sealed) == answer
    [(delivery, content)] = _sent(session, vault)
    assert (delivery.contact_id, delivery.address) == (world.contact.id, world.contact.email)
    assert delivery.language == "es" and delivery.state == "queued"
    assert content["subject"] == f"Información sobre el caso VIGIL-{world.incident.id}"
    assert answer in content["text"] and "En respuesta a su solicitud" in content["text"]
    assert "/l/" in content["text"]  # a fresh link to respond
    events = session.scalars(
        select(AlertEvent).where(
            AlertEvent.kind == "answered", AlertEvent.alert_id == world.alert.id
        )
    ).all()
    assert [e.contact_id for e in events] == [world.contact.id]
    [audited] = audit_rows(session, "alert.answered")
    assert answer not in str(audited.detail)
    shown = client.get(f"/staff/alerts/{world.alert.id}").text
    assert answer in shown and "Answered" in shown


def test_an_answer_naming_the_defender_or_the_place_needs_an_explicit_confirmation(
    session, vault, client
):
    world, request = _asked(session, vault)
    page = _open(session, client, world)
    text = "Hidden Name was threatened at Vereda El Roble."
    form = {"csrf_token": csrf_from(page), "response": str(request.id), "text": text}
    warned = client.post(f"/staff/alerts/{world.alert.id}/answers", data=form)
    assert warned.status_code == 409
    assert "may reveal what the defender's consent does not allow" in warned.text
    assert "the defender's name" in warned.text
    assert "the precise place of the attack" in warned.text
    assert 'name="confirm" value="yes" required' in warned.text
    assert text in warned.text  # what was typed is kept
    assert _answers(session) == [] and _sent(session, vault) == []
    confirmed = client.post(
        f"/staff/alerts/{world.alert.id}/answers",
        data={**form, "confirm": "yes"},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    [kept] = _answers(session)
    assert kept.warning_overridden is True
    assert len(_sent(session, vault)) == 1
    [audited] = audit_rows(session, "alert.answered")
    assert json.loads(audited.detail)["warning_overridden"] is True


def test_the_alias_warns_only_when_the_alert_does_not_say_it(session, vault, client):
    world, request = _asked(session, vault, share_level="none", language="en")
    page = _open(session, client, world)
    form = {
        "csrf_token": csrf_from(page),
        "response": str(request.id),
        "text": "Defender A is safe.",
    }
    warned = client.post(f"/staff/alerts/{world.alert.id}/answers", data=form)
    assert warned.status_code == 409 and "the defender's alias" in warned.text
    world.alert.share_level = "alias"
    session.commit()
    sent = client.post(f"/staff/alerts/{world.alert.id}/answers", data=form, follow_redirects=False)
    assert sent.status_code == 303 and len(_sent(session, vault)) == 1


def test_an_empty_answer_returns_the_page_and_an_auditor_cannot_answer(session, vault, client):
    world, request = _asked(session, vault)
    page = _open(session, client, world)
    form = {"csrf_token": csrf_from(page), "response": str(request.id), "text": "   "}
    empty = client.post(f"/staff/alerts/{world.alert.id}/answers", data=form)
    assert empty.status_code == 422 and "Write the answer." in empty.text
    too_long = client.post(
        f"/staff/alerts/{world.alert.id}/answers", data={**form, "text": "a" * 10_001}
    )
    assert too_long.status_code == 422 and "under 10000 characters" in too_long.text
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    page = _open(session, client, world, role="auditor")
    assert "Answer this request" not in page
    form = {"csrf_token": csrf_from(page), "response": str(request.id), "text": "An answer."}
    refused = client.post(f"/staff/alerts/{world.alert.id}/answers", data=form)
    assert refused.status_code == 403
    assert _answers(session) == []
