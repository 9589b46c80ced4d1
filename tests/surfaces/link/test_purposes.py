"""The link surface's purpose table: every purpose has a page and an action, and a link whose
stored purpose has no entry gets the invalid-link page instead of falling through to another
purpose's action (before the table, anything unknown was handled as a response)."""

from __future__ import annotations

from sqlalchemy import select, update

from tests.alerts.recipient_support import link_for, make_alert_world
from tests.factories import csrf_from
from vigil.alerts.models import AlertRecipient, AlertResponse
from vigil.links.models import LinkPurpose, SignedLink
from vigil.surfaces.link.pages import ACT, SHOW


def test_every_purpose_has_exactly_one_page_and_one_action() -> None:
    assert set(SHOW) == set(LinkPurpose)
    assert set(ACT) == set(LinkPurpose)


def test_a_purpose_outside_the_table_is_an_invalid_link(session, vault, settings, client):  # type: ignore[no-untyped-def]
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "respond")
    session.commit()
    form = client.get(f"/l/{token}")
    assert form.status_code == 200  # a valid respond link shows the message form
    session.execute(update(SignedLink).values(purpose="grant_access"))
    session.commit()

    page = client.get(f"/l/{token}")
    assert page.status_code == 404
    assert "textarea" not in page.text
    posted = client.post(
        f"/l/{token}", data={"csrf_token": csrf_from(form.text), "message": "hello"}
    )
    assert posted.status_code == 404
    session.expire_all()
    assert session.scalars(select(AlertResponse)).all() == []
    recipient = session.scalar(
        select(AlertRecipient).where(AlertRecipient.contact_id == world.contact.id)
    )
    assert recipient.acknowledged_at is None
