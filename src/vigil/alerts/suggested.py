"""Recipients suggested from outside the playbook: domains above the alerts (the
collective-action directory) propose directory contacts for a draft alert, each with the
reason, and they are added *unticked*: the analyst decides. Alerts know nothing of where the
suggestion came from (the import layers forbid it), only the contact and the reason.

A contact already on the alert (the playbook proposed it, or it was added by hand) is left as
it is: a suggestion never unticks or moves anyone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.alerts.models import AlertRecipient, AlertTier
from vigil.alerts.service import ensure_editable, load_alert
from vigil.contacts.models import Contact
from vigil.core.audit import record_event


@dataclass(frozen=True)
class Suggestion:
    contact_id: int
    reason: str


def suggest_recipients(
    session: Session,
    *,
    org_id: int,
    alert_id: int,
    suggestions: Sequence[Suggestion],
    actor_user_id: int | None,
) -> int:
    """Add each suggested contact of the organisation, unticked, in the alert's last tier
    (where a playbook puts its widest circle). Returns how many were added."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    ensure_editable(alert)
    present = set(
        session.scalars(
            select(AlertRecipient.contact_id).where(AlertRecipient.alert_id == alert.id)
        )
    )
    last = session.scalar(select(func.max(AlertTier.tier)).where(AlertTier.alert_id == alert.id))
    added = 0
    for suggestion in suggestions:
        if suggestion.contact_id in present:
            continue
        contact = load_in_org(
            session, Contact, suggestion.contact_id, org_id=org_id, missing="No such contact."
        )
        session.add(
            AlertRecipient(
                alert_id=alert.id,
                contact_id=contact.id,
                tier=last or 1,
                role=contact.role,
                reason=suggestion.reason[:500],
                included=False,
            )
        )
        present.add(contact.id)
        added += 1
    session.flush()
    if added:
        record_event(
            session,
            action="alert.recipients_suggested",
            organisation_id=org_id,
            actor_user_id=actor_user_id,
            object_type="alert",
            object_id=alert.id,
            detail={"suggested": added},
        )
    return added
