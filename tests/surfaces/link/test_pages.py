"""The signed-link pages as a recipient without an account meets them: plain forms without
script, in their language, one purpose per link, and RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.alerts.recipient_support import audit_rows, link_for, make_alert_world, make_delivery
from tests.factories import csrf_from, make_staff
from vigil.alerts.models import AlertRecipient, AlertResponse, AlertTier
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.outbox.models import Delivery
from vigil.outbox.staff_email_models import OutboundEmail

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def assert_self_contained(html: str) -> None:
    """No script at all, and every link, form and stylesheet on our own origin."""
    assert "<script" not in html.lower()
    assert "://" not in html
    for target in re.findall(r'(?:src|href|action)="([^"]*)"', html):
        assert target.startswith("/") and not target.startswith("//"), target


def _recipient(session, world):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(
        select(AlertRecipient).where(
            AlertRecipient.alert_id == world.alert.id,
            AlertRecipient.contact_id == world.contact.id,
        )
    )


def test_acknowledging_through_the_link_page(session, vault, settings, client):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "acknowledge")
    session.commit()

    page = client.get(f"/l/{token}")
    assert page.status_code == 200
    assert_self_contained(page.text)
    assert "I acknowledge the alert" in page.text and world.org.name in page.text
    assert _recipient(session, world).acknowledged_at is None  # a GET (a scanner) changes nothing
    assert audit_rows(session, "link.used") == []

    done = client.post(f"/l/{token}", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200
    assert "your acknowledgement was recorded" in done.text
    assert_self_contained(done.text)
    assert _recipient(session, world).acknowledged_at is not None
    tier = session.scalar(select(AlertTier).where(AlertTier.alert_id == world.alert.id))
    assert tier.acknowledged_at is not None

    again = client.post(f"/l/{token}", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 200 and "already acknowledged" in again.text
    assert "already acknowledged" in client.get(f"/l/{token}").text
    used = audit_rows(session, "link.used")
    assert len(used) == 2 and all(token not in row.detail for row in used)


def test_tampered_expired_and_unknown_links_get_the_same_friendly_404(
    session, vault, settings, client
):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "acknowledge")
    old = link_for(session, settings, world, "respond", now=utcnow() - timedelta(days=31))
    session.commit()
    tampered = token[:10] + ("a" if token[10] != "a" else "b") + token[11:]
    pages = [client.get(f"/l/{bad}") for bad in (tampered, old, "nothing-here", "x" * 300)]
    assert {page.status_code for page in pages} == {404}
    assert len({page.text for page in pages}) == 1
    assert "This link does not work any more" in pages[0].text
    assert_self_contained(pages[0].text)
    csrf = csrf_from(client.get(f"/l/{token}").text)
    assert client.post(f"/l/{tampered}", data={"csrf_token": csrf}).status_code == 404
    assert _recipient(session, world).acknowledged_at is None


def test_pages_follow_the_contacts_language_and_errors_the_visitors(
    session, vault, settings, client
):
    world = make_alert_world(session, vault, language="es")
    token = link_for(session, settings, world, "unsubscribe")
    session.commit()
    page = client.get(f"/l/{token}", headers={"Accept-Language": "fr"})
    assert '<html lang="es">' in page.text and page.headers["content-language"] == "es"
    missing = client.get("/l/" + "z" * 43, headers={"Accept-Language": "fr"})
    assert missing.status_code == 404 and '<html lang="fr">' in missing.text


def test_a_request_for_information_goes_to_the_team_without_its_text(
    session, vault, settings, client
):
    world = make_alert_world(session, vault)
    analyst = make_staff(session, world.org)
    world.incident.assignee_id = analyst.user.id
    token = link_for(session, settings, world, "request_info")
    session.commit()
    page = client.get(f"/l/{token}")
    assert 'name="message"' in page.text and "<textarea" in page.text
    assert_self_contained(page.text)
    csrf = csrf_from(page.text)

    empty = client.post(f"/l/{token}", data={"csrf_token": csrf, "message": "  "})
    assert empty.status_code == 422 and "Please write your message." in empty.text
    text = "Who signed the letter left at the Planted farm?"
    sent = client.post(f"/l/{token}", data={"csrf_token": csrf, "message": text})
    assert sent.status_code == 200 and "your message was sent" in sent.text

    session.expire_all()
    stored = session.scalar(select(AlertResponse).where(AlertResponse.alert_id == world.alert.id))
    assert stored.kind == "info_request"
    assert vault.open(stored.data_key_id, stored.body_sealed) == text
    emails = list(session.scalars(select(OutboundEmail)))
    assert [email.to_address for email in emails] == [analyst.user.email]
    assert "Planted" not in emails[0].subject + emails[0].body


def test_one_click_unsubscribe_needs_no_csrf_token_but_only_for_unsubscribe_links(
    session, vault, settings, client
):
    world = make_alert_world(session, vault)
    queued = make_delivery(session, world, world.contact)
    unsubscribe = link_for(session, settings, world, "unsubscribe")
    ack = link_for(session, settings, world, "acknowledge")
    respond = link_for(session, settings, world, "respond")
    session.commit()

    # A mail provider: no cookie, no token, just the RFC 8058 body.
    refused = client.post(f"/l/{ack}", data=ONE_CLICK)
    assert refused.status_code == 403
    assert client.post(f"/l/{respond}", data={**ONE_CLICK, "message": "hi"}).status_code == 403
    assert client.post(f"/l/{ack}", data={}).status_code == 403  # plain POST without CSRF
    assert _recipient(session, world).acknowledged_at is None
    assert session.scalar(select(AlertResponse.id)) is None

    done = client.post(f"/l/{unsubscribe}", data=ONE_CLICK)
    assert done.status_code == 200
    session.expire_all()
    contact = session.get(Contact, world.contact.id)
    assert contact.opted_out_at is not None and contact.opt_out_reason == "one-click unsubscribe"
    assert session.get(Delivery, queued.id).state == "cancelled"
    # The same body on a path that is not a signed link is not exempt.
    assert client.post("/check-in", data=ONE_CLICK).status_code == 403


def test_a_link_does_only_its_own_thing(session, vault, settings, client):
    world = make_alert_world(session, vault)
    unsubscribe = link_for(session, settings, world, "unsubscribe")
    ack = link_for(session, settings, world, "acknowledge")
    session.commit()
    csrf = csrf_from(client.get(f"/l/{ack}").text)
    # Whatever the form says, an unsubscribe link unsubscribes and nothing else…
    client.post(f"/l/{unsubscribe}", data={"csrf_token": csrf, "answer": "safe", "message": "x"})
    assert _recipient(session, world).acknowledged_at is None
    assert session.scalar(select(AlertResponse.id)) is None
    # …and an acknowledgement link never unsubscribes.
    other = link_for(session, settings, world, "acknowledge", contact_id=world.other.id)
    session.commit()
    client.post(f"/l/{other}", data={"csrf_token": csrf, **ONE_CLICK})
    session.expire_all()
    assert session.get(Contact, world.other.id).opted_out_at is None
    used = [row.detail for row in audit_rows(session, "link.used")]
    assert len(used) == 2 and '"purpose": "unsubscribe"' in used[0]
    assert '"purpose": "acknowledge"' in used[1]


def test_a_used_response_link_and_a_fourth_request_in_a_day_are_refused(
    session, vault, settings, client
):
    world = make_alert_world(session, vault)
    respond = link_for(session, settings, world, "respond")
    ask = link_for(session, settings, world, "request_info")
    session.commit()
    csrf = csrf_from(client.get(f"/l/{respond}").text)
    sent = client.post(f"/l/{respond}", data={"csrf_token": csrf, "message": "Our answer."})
    assert sent.status_code == 200 and "your message was sent" in sent.text
    again = client.post(f"/l/{respond}", data={"csrf_token": csrf, "message": "More."})
    assert again.status_code == 404 and client.get(f"/l/{respond}").status_code == 404
    for _ in range(settings.link_info_requests_per_day):
        assert (
            client.post(f"/l/{ask}", data={"csrf_token": csrf, "message": "Q"}).status_code == 200
        )
    text = "One more question about the Planted road"
    refused = client.post(f"/l/{ask}", data={"csrf_token": csrf, "message": text})
    assert refused.status_code == 429 and "as many requests as a day allows" in refused.text
    assert text in refused.text  # what they typed comes back
    session.expire_all()
    kinds = session.scalars(select(AlertResponse.kind).order_by(AlertResponse.id)).all()
    assert kinds == ["substantive"] + ["info_request"] * settings.link_info_requests_per_day
