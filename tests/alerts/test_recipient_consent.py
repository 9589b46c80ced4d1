"""Consent per recipient type (both databases): a state protection mechanism, UN and regional
bodies, funders and the media each need their own grant from every victim, and a grant stops
allowing anything the instant it expires (allowed at T-1s, refused at T); a company recipient
needs only the strategy. A recipient whose type's consent lapsed after the launch is skipped
when a later tier is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import consent_of_the_defender, make_incident, make_org
from vigil.alerts.chain import send_to_tier
from vigil.alerts.facts import (
    RECIPIENT_SCOPES,
    consent_check,
    recipient_consented,
    recipient_scope_check,
)
from vigil.alerts.models import AlertEvent
from vigil.alerts.service import add_recipient, draft_alert, launch_alert
from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.core.errors import Conflict
from vigil.defenders.consent import record_consent
from vigil.playbooks.service import install_default_playbooks

STATE = {"kind": "protection", "role": "protection_programme"}
UN = {"kind": "un", "role": "special_procedures"}
NHRI = {"kind": "nhri", "role": "nhri_officer"}
COMPANY = {"kind": "company", "role": "security_lead"}


def _world(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    incident = make_incident(session, org, vault=vault)
    consent_of_the_defender(session, incident)
    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    return org, incident, alert


def _recipient(session, org, alert, number: int, **who):  # type: ignore[no-untyped-def]
    contact = Contact(organisation_id=org.id, name=f"Desk {number}", email=f"d{number}@x.org")
    contact.kind, contact.role = who["kind"], who["role"]
    session.add(contact)
    session.flush()
    add_recipient(
        session, org_id=org.id, alert_id=alert.id, contact_id=contact.id, tier=1,
        actor_user_id=None,
    )  # fmt: skip
    return contact


def _grant(session, incident, scope: str, **extra):  # type: ignore[no-untyped-def]
    return record_consent(
        session,
        org_id=incident.organisation_id,
        defender_id=incident.acts[0].victim_id,
        scope=scope,
        decision="grant",
        method="in_person",
        given_by="defender",
        actor_user_id=None,
        **extra,
    )


def test_every_recipient_type_with_a_scope_maps_to_a_per_recipient_scope():
    assert set(RECIPIENT_SCOPES.values()) == {
        "share_state_mechanism",
        "share_un_regional",
        "share_funders",
        "share_media",
    }


@pytest.mark.parametrize(
    ("who", "scope"),
    [(STATE, "share_state_mechanism"), (NHRI, "share_state_mechanism")],
)
def test_a_recipient_type_needs_its_own_scope_at_launch(session, vault, settings, who, scope):  # type: ignore[no-untyped-def]
    org, incident, alert = _world(session, vault)
    _recipient(session, org, alert, 1, **who)
    with pytest.raises(Conflict, match="no longer agrees"):
        consent_check(session, incident_id=incident.id, share_level="alias", alert_id=alert.id)
    with pytest.raises(Conflict, match="no longer agrees"):
        launch_alert(
            session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None,
            now=utcnow(),
        )  # fmt: skip
    assert alert.status == "draft"
    _grant(session, incident, scope)
    recipient_scope_check(session, alert_id=alert.id, incident_id=incident.id)


def test_another_scope_does_not_stand_in_for_the_one_needed(session, vault):  # type: ignore[no-untyped-def]
    org, incident, alert = _world(session, vault)
    _recipient(session, org, alert, 1, **STATE)
    _grant(session, incident, "share_un_regional")
    _grant(session, incident, "share_with_stakeholders")
    with pytest.raises(Conflict, match="state protection"):
        recipient_scope_check(session, alert_id=alert.id, incident_id=incident.id)


def test_a_company_recipient_needs_only_the_strategy(session, vault, settings):  # type: ignore[no-untyped-def]
    org, incident, alert = _world(session, vault)
    _recipient(session, org, alert, 1, **COMPANY)
    recipient_scope_check(session, alert_id=alert.id, incident_id=incident.id)


def test_a_left_out_recipient_is_not_checked(session, vault):  # type: ignore[no-untyped-def]
    org, incident, alert = _world(session, vault)
    _recipient(session, org, alert, 1, **STATE)
    from vigil.alerts.models import AlertRecipient

    for row in session.query(AlertRecipient).filter_by(alert_id=alert.id):
        row.included = False
    session.flush()
    recipient_scope_check(session, alert_id=alert.id, incident_id=incident.id)


def test_an_expired_grant_refuses_at_its_expiry_and_not_a_second_before(session, vault):  # type: ignore[no-untyped-def]
    org, incident, alert = _world(session, vault)
    contact = _recipient(session, org, alert, 1, **STATE)
    expiry = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    _grant(session, incident, "share_state_mechanism", expires_at=expiry)
    session.expire_all()  # read the expiry back from the database, as a later request would
    before, at = expiry - timedelta(seconds=1), expiry
    recipient_scope_check(session, alert_id=alert.id, incident_id=incident.id, at=before)
    with pytest.raises(Conflict, match="no longer agrees"):
        recipient_scope_check(session, alert_id=alert.id, incident_id=incident.id, at=at)
    kind, role = contact.kind, contact.role
    assert recipient_consented(session, incident_id=incident.id, kind=kind, role=role, at=before)
    assert not recipient_consented(session, incident_id=incident.id, kind=kind, role=role, at=at)


def test_a_later_tier_skips_a_recipient_whose_consent_expired(session, vault, settings):  # type: ignore[no-untyped-def]
    org, incident, alert = _world(session, vault)
    contact = _recipient(session, org, alert, 1, **STATE)
    expiry = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    _grant(session, incident, "share_state_mechanism", expires_at=expiry)
    from vigil.alerts.facts import facts_for

    facts = facts_for(session, vault, alert)
    document = {"tiers": [{"label": "State", "channels": ["email"]}]}
    common = {
        "alert": alert, "document": document, "facts": facts,
        "data_key_id": incident.data_key_id, "tier": 1, "purpose": "reminder",
        "only_contacts": frozenset({contact.id}),
    }  # fmt: skip
    assert send_to_tier(session, vault, settings, now=expiry, **common) == 0
    skipped = session.query(AlertEvent).filter_by(alert_id=alert.id, contact_id=contact.id)
    assert any("expired" in event.detail for event in skipped)
