"""Withdrawing an alert's signed links from the staff surface: writers of the same
organisation only, one contact's or all, and never the unsubscribe links."""

from __future__ import annotations

from tests.alerts.recipient_support import audit_rows, link_for, make_alert_world
from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.links.service import issue_link

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def test_staff_revoke_an_alerts_links(session, vault, settings, client):
    world = make_alert_world(session, vault)
    analyst = make_staff(session, world.org)
    token = link_for(session, settings, world, "acknowledge")
    session.commit()
    sign_in(client, analyst)
    csrf = csrf_from(client.get("/staff/reports").text)
    path = f"/staff/alerts/{world.alert.id}/links/revoke"
    revoked = client.post(path, data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert revoked.headers["location"].startswith(f"/staff/incidents/{world.incident.id}/alerts")
    assert client.get(f"/l/{token}").status_code == 404
    assert len(audit_rows(session, "link.revoked")) == 1


def test_revoking_is_for_writers_of_the_same_organisation(session, vault, settings, client):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "acknowledge")
    auditor = make_staff(session, world.org, role="auditor")
    stranger = make_staff(session, make_org(session))
    session.commit()
    path = f"/staff/alerts/{world.alert.id}/links/revoke"
    sign_in(client, auditor)
    csrf = csrf_from(client.get("/staff/reports").text)
    assert client.post(path, data={"csrf_token": csrf}).status_code == 403
    client.cookies.clear()
    sign_in(client, stranger)
    csrf = csrf_from(client.get("/staff/reports").text)
    assert client.post(path, data={"csrf_token": csrf}).status_code == 404
    client.cookies.clear()
    assert client.get(f"/l/{token}").status_code == 200
    assert audit_rows(session, "link.revoked") == []


def test_a_contact_of_another_organisation_cannot_be_named(session, vault, settings, client):
    world = make_alert_world(session, vault)
    outsider = make_alert_world(session, vault)
    analyst = make_staff(session, world.org)
    token = issue_link(
        session,
        settings,
        organisation_id=world.org.id,
        purpose="acknowledge",
        alert_id=world.alert.id,
        contact_id=world.contact.id,
        now=utcnow(),
    )
    session.commit()
    sign_in(client, analyst)
    csrf = csrf_from(client.get("/staff/reports").text)
    path = f"/staff/alerts/{world.alert.id}/links/revoke"
    answer = client.post(path, data={"csrf_token": csrf, "contact": str(outsider.contact.id)})
    assert answer.status_code == 404
    assert client.post(path, data={"csrf_token": csrf, "contact": "abc"}).status_code == 422
    assert client.get(f"/l/{token}").status_code == 200


def test_staff_revoking_an_alerts_links_leaves_unsubscribe_working(
    session, vault, settings, client
):
    world = make_alert_world(session, vault)
    analyst = make_staff(session, world.org)
    unsubscribe = link_for(session, settings, world, "unsubscribe")
    session.commit()
    sign_in(client, analyst)
    csrf = csrf_from(client.get("/staff/reports").text)
    client.post(f"/staff/alerts/{world.alert.id}/links/revoke", data={"csrf_token": csrf})
    client.cookies.clear()  # the recipient, not the analyst
    assert client.get(f"/l/{unsubscribe}").status_code == 200
    done = client.post(f"/l/{unsubscribe}", data=ONE_CLICK)
    assert done.status_code == 200
    session.expire_all()
    assert session.get(Contact, world.contact.id).opted_out_at is not None
