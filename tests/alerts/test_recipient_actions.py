"""What an alert's recipient does through a signed link (acknowledge, ask, respond,
unsubscribe) with its side effects, and the staff withdrawal of an alert's links."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.alerts.recipient_support import audit_rows, link_for, make_alert_world, make_delivery
from tests.factories import make_org, make_staff
from vigil.alerts.models import AlertEvent, AlertRecipient, AlertResponse, AlertTier
from vigil.alerts.recipient_actions import (
    LinkLimitReached,
    acknowledge,
    record_response,
    revoke_alert_links,
    unsubscribe,
)
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.links.service import resolve_link
from vigil.outbox.staff_email_models import OutboundEmail


def test_acknowledgement_sets_recipient_and_tier_once_and_every_use_is_audited(
    session, vault, settings
):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "acknowledge")
    other_token = link_for(session, settings, world, "acknowledge", contact_id=world.other.id)
    first_at = utcnow()
    link = resolve_link(session, settings, token, now=first_at)
    assert acknowledge(session, link=link, now=first_at) is True
    recipient = session.scalar(
        select(AlertRecipient).where(AlertRecipient.contact_id == world.contact.id)
    )
    tier = session.scalar(select(AlertTier).where(AlertTier.alert_id == world.alert.id))
    assert recipient.acknowledged_at == first_at and tier.acknowledged_at == first_at

    later = first_at + timedelta(hours=1)
    assert acknowledge(session, link=link, now=later) is False
    other_link = resolve_link(session, settings, other_token, now=later)
    assert acknowledge(session, link=other_link, now=later) is True
    session.refresh(tier)
    assert tier.acknowledged_at == first_at  # the tier's first acknowledgement counts

    events = session.scalars(
        select(AlertEvent.contact_id).where(
            AlertEvent.alert_id == world.alert.id, AlertEvent.kind == "acknowledged"
        )
    ).all()
    assert sorted(events) == sorted([world.contact.id, world.other.id])
    used = audit_rows(session, "link.used")
    assert [json.loads(row.detail)["action"] for row in used] == [
        "acknowledged",
        "already_acknowledged",
        "acknowledged",
    ]
    assert all(json.loads(row.detail)["purpose"] == "acknowledge" for row in used)
    everything = " ".join(
        row.detail + (row.object_id or "") for row in session.scalars(select(AuditEvent))
    )
    assert token not in everything and other_token not in everything
    assert "Ana" not in everything
    assert link.uses == 2 and link.last_used_at == later


def test_a_request_for_information_is_kept_and_the_assignee_told_without_content(
    session, vault, settings
):
    world = make_alert_world(session, vault)
    analyst = make_staff(session, world.org)
    world.incident.assignee_id = analyst.user.id
    session.flush()
    token = link_for(session, settings, world, "request_info")
    link = resolve_link(session, settings, token, now=utcnow())
    with pytest.raises(Invalid):
        record_response(session, settings, vault, link=link, body="   ", now=utcnow())
    secret_text = "Which checkpoint near Vereda Planted was it?"
    record_response(session, settings, vault, link=link, body=secret_text, now=utcnow())

    response = session.scalar(select(AlertResponse).where(AlertResponse.alert_id == world.alert.id))
    assert response.kind == "info_request"
    assert vault.open(response.data_key_id, response.body_sealed) == secret_text
    assert secret_text.encode() not in response.body_sealed
    assert response.contact_id == world.contact.id
    assert (
        session.scalar(select(AlertEvent).where(AlertEvent.kind == "info_requested")).contact_id
        == world.contact.id
    )
    emails = list(session.scalars(select(OutboundEmail)))
    assert [e.to_address for e in emails] == [analyst.user.email]
    assert f"case #{world.incident.id}" in emails[0].body
    assert f"/staff/incidents/{world.incident.id}/alerts" in emails[0].body
    assert "Vereda" not in emails[0].body + emails[0].subject and "Ana" not in emails[0].body


def test_unsubscribing_opts_out_and_cancels_only_that_contacts_queued_deliveries(
    session, vault, settings
):
    world = make_alert_world(session, vault)
    queued = make_delivery(session, world, world.contact)
    sent = make_delivery(session, world, world.contact, state="sent")
    someone_else = make_delivery(session, world, world.other)
    token = link_for(session, settings, world, "unsubscribe")
    link = resolve_link(session, settings, token, now=utcnow())
    assert link.expires_at - link.created_at == timedelta(days=365)

    assert unsubscribe(session, link=link, now=utcnow(), one_click=True) is True
    session.refresh(world.contact)
    assert world.contact.opted_out_at is not None
    assert world.contact.opt_out_reason == "one-click unsubscribe"
    for delivery, state in ((queued, "cancelled"), (sent, "sent"), (someone_else, "queued")):
        session.refresh(delivery)
        assert delivery.state == state
    assert session.scalar(select(AlertEvent).where(AlertEvent.kind == "unsubscribed")) is not None
    assert unsubscribe(session, link=link, now=utcnow(), one_click=False) is False
    assert len(audit_rows(session, "link.used")) == 2


def test_staff_revocation_is_tenancy_checked_and_audited(session, vault, settings):
    world = make_alert_world(session, vault)
    analyst = make_staff(session, world.org)
    ack = link_for(session, settings, world, "acknowledge")
    other = link_for(session, settings, world, "acknowledge", contact_id=world.other.id)
    stranger = make_org(session)
    with pytest.raises(NotFound):
        revoke_alert_links(
            session,
            org_id=stranger.id,
            alert_id=world.alert.id,
            contact_id=None,
            actor_user_id=analyst.user.id,
            now=utcnow(),
        )
    _alert, count = revoke_alert_links(
        session,
        org_id=world.org.id,
        alert_id=world.alert.id,
        contact_id=world.contact.id,
        actor_user_id=analyst.user.id,
        now=utcnow(),
    )
    assert count == 1
    with pytest.raises(NotFound):
        resolve_link(session, settings, ack, now=utcnow())
    assert resolve_link(session, settings, other, now=utcnow()) is not None
    revoked = audit_rows(session, "link.revoked")
    assert len(revoked) == 1 and json.loads(revoked[0].detail) == {
        "contact": world.contact.id,
        "links": 1,
    }


def test_revoking_an_alerts_links_keeps_its_unsubscribe_links(session, vault, settings):
    """A recipient must always be able to opt out, whatever links staff withdraw."""
    world = make_alert_world(session, vault)
    analyst = make_staff(session, world.org)
    tokens = {
        purpose: link_for(session, settings, world, purpose)
        for purpose in ("acknowledge", "request_info", "respond", "unsubscribe")
    }
    others_unsubscribe = link_for(
        session, settings, world, "unsubscribe", contact_id=world.other.id
    )
    for contact_id in (world.contact.id, None):  # one contact's links, then the whole alert's
        revoke_alert_links(
            session,
            org_id=world.org.id,
            alert_id=world.alert.id,
            contact_id=contact_id,
            actor_user_id=analyst.user.id,
            now=utcnow(),
        )
    for purpose in ("acknowledge", "request_info", "respond"):
        with pytest.raises(NotFound):
            resolve_link(session, settings, tokens[purpose], now=utcnow())
    for token in (tokens["unsubscribe"], others_unsubscribe):
        link = resolve_link(session, settings, token, now=utcnow())
        assert unsubscribe(session, link=link, now=utcnow(), one_click=False) is True
    assert [json.loads(r.detail)["links"] for r in audit_rows(session, "link.revoked")] == [3, 0]


def test_a_response_link_works_once(session, vault, settings):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "respond")
    link = resolve_link(session, settings, token, now=utcnow())
    with pytest.raises(Invalid):  # a refused message does not use the link up
        record_response(session, settings, vault, link=link, body=" ", now=utcnow())
    record_response(session, settings, vault, link=link, body="Our answer.", now=utcnow())
    assert (link.uses, link.last_used_at is not None) == (1, True)
    with pytest.raises(NotFound):  # the same link object, still in hand: refused
        record_response(session, settings, vault, link=link, body="Again.", now=utcnow())
    with pytest.raises(NotFound):
        resolve_link(session, settings, token, now=utcnow())
    kinds = session.scalars(select(AlertResponse.kind)).all()
    assert kinds == ["substantive"]
    assert len(audit_rows(session, "link.used")) == 1
    # Another recipient's response link is its own.
    other = link_for(session, settings, world, "respond", contact_id=world.other.id)
    link = resolve_link(session, settings, other, now=utcnow())
    record_response(session, settings, vault, link=link, body="Ours too.", now=utcnow())


def test_requests_for_information_are_limited_per_recipient_and_day(session, vault, settings):
    world = make_alert_world(session, vault)
    assert settings.link_info_requests_per_day == 3
    first = link_for(session, settings, world, "request_info")
    second = link_for(session, settings, world, "request_info")  # e.g. from a reminder
    start = utcnow()

    def ask(token: str, at) -> None:  # type: ignore[no-untyped-def]
        link = resolve_link(session, settings, token, now=at)
        record_response(session, settings, vault, link=link, body="What happened?", now=at)

    for minutes in range(3):  # the limit, through either link
        ask(first if minutes % 2 else second, start + timedelta(minutes=minutes))
    for token in (first, second):  # limit + 1
        with pytest.raises(LinkLimitReached):
            ask(token, start + timedelta(hours=24) - timedelta(seconds=1))
    ask(first, start + timedelta(hours=24))  # the first request left the 24-hour window
    with pytest.raises(LinkLimitReached):
        ask(first, start + timedelta(hours=24, seconds=30))
    other = link_for(session, settings, world, "request_info", contact_id=world.other.id)
    ask(other, start + timedelta(minutes=5))  # another recipient has their own count
    counts = session.scalars(
        select(AlertResponse.contact_id).where(AlertResponse.kind == "info_request")
    ).all()
    assert sorted(counts) == sorted([world.contact.id] * 4 + [world.other.id])
