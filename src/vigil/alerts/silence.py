"""When a tier stays silent: what its deadline leaves behind. Its recipients without a
substantive response are marked "no response by the deadline" (on the recipient list and the
timeline); the escalation message names the organisations that were informed, and when, and
have not responded; and the case team gets an inbox item, whether the chain moved on to the
next tier or had nobody new to turn to.

The decisions are alerts/escalation.py's; this module only records them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.alerts.escalation import Action
from vigil.alerts.event_details import NO_SUBSTANTIVE_RESPONSE
from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRecipient,
    ResponseKind,
)
from vigil.alerts.purpose_texts import Silent
from vigil.contacts.models import Contact
from vigil.contacts.roles import CONTACT_ROLES
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item


def silent_organisations(session: Session, alert_id: int, tier: int) -> tuple[Silent, ...]:
    """The organisations of ``tier`` that were informed and gave no substantive response,
    each with the day it was informed: the organisation's name, or the contact's role when it
    has none (never a person's name). A recipient who was never sent anything (unsubscribed,
    no consent, UN special procedures) was not informed, so is not named."""
    rows = session.execute(
        select(Contact, AlertRecipient.notified_at)
        .join(AlertRecipient, AlertRecipient.contact_id == Contact.id)
        .where(
            AlertRecipient.alert_id == alert_id,
            AlertRecipient.tier == tier,
            AlertRecipient.included.is_(True),
            AlertRecipient.notified_at.is_not(None),
            or_(
                AlertRecipient.response.is_(None),
                AlertRecipient.response != ResponseKind.substantive,
            ),
        )
        .order_by(AlertRecipient.id)
    ).all()
    said = (
        Silent(contact.organisation_name or CONTACT_ROLES.get(contact.role, ""), informed.date())
        for contact, informed in rows
    )
    return tuple(dict.fromkeys(s for s in said if s.organisation))


def mark_no_response(
    session: Session,
    alert: Alert,
    action: Action,
    recipients: Mapping[int, list[AlertRecipient]],
    now: datetime,
) -> None:
    """The tier's wait ended: each recipient without a substantive response is marked, and
    the mark is on the timeline."""
    for recipient in recipients.get(action.tier, []):
        if recipient.contact_id in action.contacts:
            recipient.no_response_at = now
            session.add(
                AlertEvent(
                    alert_id=alert.id,
                    at=now,
                    kind=AlertEventKind.no_response,
                    tier=action.tier,
                    contact_id=recipient.contact_id,
                    detail=NO_SUBSTANTIVE_RESPONSE,
                )
            )


def tell_staff_tier_silent(
    session: Session, *, alert: Alert, tier: int, escalated_to: int | None, now: datetime
) -> None:
    """A tier gave no substantive response by its deadline: the case team must know (an
    inbox item pointing at the alert page), whether the chain moved on to ``escalated_to``
    or had nobody new to turn to."""
    kind = InboxKind.tier_silent if escalated_to is None else InboxKind.tier_escalated
    raise_item(
        session,
        org_id=alert.organisation_id,
        kind=kind,
        object_type="alert",
        object_id=alert.id,
        path=f"/staff/alerts/{alert.id}",
        source_key=f"alert:{alert.id}:tier:{tier}:{kind}:{now.isoformat()}",
        now=now,
    )
