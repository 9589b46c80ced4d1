"""Signed links as a service: tokens stored only as keyed digests, bound to their purpose,
expiring, revocable, and pointing only at their own organisation's rows. What a use does is
the owner's (``tests/alerts/test_recipient_actions.py``, ``tests/checkins``)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.alerts.recipient_support import link_for, make_alert_world
from tests.factories import make_org
from vigil.alerts.models import AlertResponse
from vigil.alerts.recipient_actions import record_response, unsubscribe
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.links.models import SignedLink
from vigil.links.service import issue_link, link_url, resolve_link, revoke_links


def test_only_a_keyed_digest_of_the_token_is_stored(session, vault, settings):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "acknowledge")
    assert len(token) >= 43  # 32 random bytes, base64url
    assert link_url(settings, token) == f"https://vigil.test/l/{token}"
    row = session.scalar(select(SignedLink).where(SignedLink.alert_id == world.alert.id))
    assert row is not None and row.purpose == "acknowledge"
    assert token not in row.token_hash
    assert row.token_hash != hashlib.sha256(token.encode()).hexdigest()  # keyed, not plain
    assert row.expires_at - row.created_at == timedelta(days=30)
    assert resolve_link(session, settings, token, now=utcnow()).id == row.id


def test_tampered_expired_and_revoked_tokens_fail_alike(session, vault, settings):
    world = make_alert_world(session, vault)
    now = utcnow()
    token = link_for(session, settings, world, "acknowledge", now=now)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    messages = set()
    for bad, at in (
        (flipped, now),
        (token + "x", now),
        ("", now),
        ("../../etc/passwd", now),
        (token, now + timedelta(days=30, seconds=1)),
    ):
        with pytest.raises(NotFound) as failure:
            resolve_link(session, settings, bad, now=at)
        messages.add(str(failure.value))
    assert resolve_link(session, settings, token, now=now + timedelta(days=29)) is not None
    assert revoke_links(session, alert_id=world.alert.id, contact_id=world.contact.id, now=now) == 1
    with pytest.raises(NotFound) as revoked:
        resolve_link(session, settings, token, now=now)
    messages.add(str(revoked.value))
    assert len(messages) == 1  # no oracle: one answer whatever the reason


def test_the_purpose_is_bound_to_the_token(session, vault, settings):
    world = make_alert_world(session, vault)
    token = link_for(session, settings, world, "acknowledge")
    link = resolve_link(session, settings, token, now=utcnow())
    with pytest.raises(Invalid):
        unsubscribe(session, link=link, now=utcnow(), one_click=False)
    with pytest.raises(Invalid):
        record_response(session, settings, vault, link=link, body="hello", now=utcnow())
    assert world.contact.opted_out_at is None
    assert session.scalar(select(AlertResponse.id)) is None
    # Someone with write access to the database turns it into an unsubscribe link: dead.
    session.execute(
        update(SignedLink).where(SignedLink.id == link.id).values(purpose="unsubscribe")
    )
    session.expire_all()
    with pytest.raises(NotFound):
        resolve_link(session, settings, token, now=utcnow())


def test_links_point_only_at_their_organisations_rows(session, vault, settings):
    world = make_alert_world(session, vault)
    stranger = make_org(session)
    with pytest.raises(NotFound):
        issue_link(
            session,
            settings,
            organisation_id=stranger.id,
            purpose="acknowledge",
            alert_id=world.alert.id,
            contact_id=world.contact.id,
            now=utcnow(),
        )
    with pytest.raises(Invalid):
        issue_link(session, settings, organisation_id=world.org.id, purpose="ack", now=utcnow())
    with pytest.raises(Invalid):  # an acknowledgement must say whose
        issue_link(
            session,
            settings,
            organisation_id=world.org.id,
            purpose="acknowledge",
            alert_id=world.alert.id,
            now=utcnow(),
        )
    with pytest.raises(Invalid):
        revoke_links(session, now=utcnow())  # never "every link there is"


def test_every_target_of_a_link_is_checked_against_its_organisation(session, vault, settings):
    """The owner check reads each target through the foreign key (links import no owner's
    model): a contact or schedule of another organisation, or a missing one, is refused."""
    world = make_alert_world(session, vault)
    stranger = make_org(session)
    outsider = Contact(organisation_id=stranger.id, name="Outsider", email="o@example.org")
    session.add(outsider)
    session.flush()
    refused = {
        "contact": dict(purpose="unsubscribe", contact_id=outsider.id),
        "alert": dict(purpose="acknowledge", alert_id=10**6, contact_id=world.contact.id),
        "schedule": dict(purpose="check_in", check_in_schedule_id=10**6),
    }
    for what, target in refused.items():
        with pytest.raises(NotFound, match=f"No such {what}"):
            issue_link(session, settings, organisation_id=world.org.id, now=utcnow(), **target)
    token = issue_link(
        session,
        settings,
        organisation_id=stranger.id,
        purpose="unsubscribe",
        contact_id=outsider.id,
        now=utcnow(),
    )
    assert resolve_link(session, settings, token, now=utcnow()).contact_id == outsider.id
