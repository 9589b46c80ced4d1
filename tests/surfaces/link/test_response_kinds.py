"""A recipient says, on the response page, whether they acted or decline to act (it works
without JavaScript: two radio buttons). Only the first stops the escalation, so the choice is
stored with the response and on the recipient; a request for information is neither."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.alerts.recipient_support import link_for, make_alert_world
from tests.factories import csrf_from
from vigil.alerts.models import AlertRecipient, AlertResponse


@pytest.mark.parametrize("stance", ["substantive", "declined"])
def test_the_response_page_asks_whether_they_acted_or_decline(
    session, vault, settings, client, stance
):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "respond")
    session.commit()
    page = client.get(f"/l/{token}")
    assert 'name="stance" value="substantive" required' in page.text
    assert 'name="stance" value="declined"' in page.text
    sent = client.post(
        f"/l/{token}",
        data={"csrf_token": csrf_from(page.text), "message": "Our answer.", "stance": stance},
    )
    assert sent.status_code == 200
    session.expire_all()
    assert session.scalar(select(AlertResponse.kind)) == stance
    recipient = session.scalar(
        select(AlertRecipient).where(AlertRecipient.contact_id == world.contact.id)
    )
    assert recipient.response == stance and recipient.responded_at is not None


def test_a_request_for_information_is_not_a_response(session, vault, settings, client):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "request_info")
    session.commit()
    page = client.get(f"/l/{token}")
    assert 'name="stance"' not in page.text
    client.post(f"/l/{token}", data={"csrf_token": csrf_from(page.text), "message": "Who?"})
    session.expire_all()
    recipient = session.scalar(
        select(AlertRecipient).where(AlertRecipient.contact_id == world.contact.id)
    )
    assert recipient.response == "info_requested" and recipient.responded_at is None
