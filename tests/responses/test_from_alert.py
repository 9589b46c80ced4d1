"""An alert recipient's response marked "may be published" can become the company's answer
(or the start of a request to that contact); one marked "team only" never appears."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import csrf_from, make_staff, sign_in
from tests.responses.support import make_reply_world
from vigil.alerts.models import Alert, AlertResponse
from vigil.alerts.response_models import ResponseDetails
from vigil.core.db import utcnow
from vigil.responses.models import CompanyResponse, ResponseRequest


def _alert_response(session, vault, world, *, may_publish: bool, text: str) -> AlertResponse:  # type: ignore[no-untyped-def]
    alert = Alert(organisation_id=world.org.id, incident_id=world.incident.id, status="active")
    session.add(alert)
    session.flush()
    key = world.incident.data_key_id
    response = AlertResponse(
        organisation_id=world.org.id,
        alert_id=alert.id,
        contact_id=world.contact.id,
        kind="substantive",
        data_key_id=key,
        body_sealed=vault.seal(key, text),
        created_at=utcnow(),
    )
    session.add(response)
    session.flush()
    session.add(
        ResponseDetails(
            response_id=response.id,
            responder_name="R. Ortiz",
            may_publish=may_publish,
            data_key_id=key,
        )
    )
    session.flush()
    return response


def test_a_publishable_alert_response_is_taken_in_as_the_answer(session, settings, vault, client):
    world = make_reply_world(session, vault)
    kept = _alert_response(session, vault, world, may_publish=True, text="We paused the works.")
    _alert_response(session, vault, world, may_publish=False, text="Internal note only.")
    analyst = make_staff(session, world.org)
    session.commit()
    sign_in(client, analyst)
    base = f"/staff/incidents/{world.incident.id}/responses"
    page = client.get(base)
    assert f'id="alert-response-{kept.id}"' in page.text
    assert page.text.count('id="alert-response-') == 1
    assert f"{base}?contact={world.contact.id}" in page.text  # or ask that contact

    taken = client.post(f"{base}/from-alert/{kept.id}", data={"csrf_token": csrf_from(page.text)})
    assert taken.status_code == 303
    session.expire_all()
    (request,) = session.scalars(select(ResponseRequest))
    assert (request.alert_response_id, request.company_id) == (kept.id, world.company.id)
    (answer,) = session.scalars(select(CompanyResponse))
    assert vault.open(answer.data_key_id, answer.text_sealed) == "We paused the works."
    after = client.get(base)
    assert "We paused the works." in after.text and 'id="alert-response-' not in after.text
