"""An alert with recipients and links, rows inserted directly: the world the signed-link
tests (``tests/links``, ``tests/alerts/test_recipient_actions.py``, ``tests/surfaces/link``)
act in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from tests.factories import make_incident, make_org
from vigil.alerts.models import Alert, AlertRecipient, AlertTier
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.incidents.models import Incident
from vigil.links.service import issue_link
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery


@dataclass
class AlertWorld:
    org: Organisation
    incident: Incident
    alert: Alert
    contact: Contact
    other: Contact  # a second recipient, in the same tier


def make_alert_world(session, vault, *, language: str = "en") -> AlertWorld:  # type: ignore[no-untyped-def]
    """An active alert with one tier and two recipients, rows inserted directly."""
    org = make_org(session)
    incident = make_incident(session, org, vault=vault)
    contact = Contact(
        organisation_id=org.id,
        name="Ana Planted-Contact",
        role="security_lead",
        language=language,
        email="ana@operator.example",
    )
    other = Contact(organisation_id=org.id, name="Ben", email="ben@parent.example")
    alert = Alert(organisation_id=org.id, incident_id=incident.id, status="active")
    session.add_all([contact, other, alert])
    session.flush()
    session.add(AlertTier(alert_id=alert.id, tier=1, label="Operator"))
    session.add(AlertRecipient(alert_id=alert.id, contact_id=contact.id, tier=1))
    session.add(AlertRecipient(alert_id=alert.id, contact_id=other.id, tier=1))
    session.flush()
    return AlertWorld(org=org, incident=incident, alert=alert, contact=contact, other=other)


def make_delivery(session, world: AlertWorld, contact: Contact, state: str = "queued") -> Delivery:  # type: ignore[no-untyped-def]
    delivery = Delivery(
        organisation_id=world.org.id,
        alert_id=world.alert.id,
        contact_id=contact.id,
        tier=1,
        channel="email",
        address=contact.email or "x@example.org",
        idempotency_key=secrets.token_hex(16),
        data_key_id=world.incident.data_key_id,
        content_sealed=b"sealed",
        state=state,
    )
    session.add(delivery)
    session.flush()
    return delivery


def link_for(session, settings, world: AlertWorld, purpose: str, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return issue_link(
        session,
        settings,
        organisation_id=world.org.id,
        purpose=purpose,
        alert_id=world.alert.id,
        contact_id=kwargs.pop("contact_id", world.contact.id),
        now=kwargs.pop("now", utcnow()),
        **kwargs,
    )


def audit_rows(session, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
