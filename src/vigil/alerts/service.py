"""Sending an alert: from a verified incident, the playbook proposes recipients (leverage map +
directory), the analyst reviews them and writes a note, a consent check decides what may be
said about the defender, a preview shows each language, and launching queues the first tier's
deliveries in the same transaction. Resolving stops everything.

The consent rules live in alerts/facts.py and are checked when drafting, when the message is
written, and again right before launching.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.alerts.approval import (
    check_release,
    close_approval_item,
    four_eyes_minutes,
    hold_for_approval,
    record_release,
)
from vigil.alerts.chain import run_chain
from vigil.alerts.facts import consent_check, facts_for
from vigil.alerts.implicated import company_implicated
from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertRecipient,
    AlertStatus,
    AlertTier,
    ShareLevel,
)
from vigil.alerts.proposal import propose
from vigil.casework.service import change_status, load_case, note_first_action
from vigil.contacts.models import Contact
from vigil.contacts.rules import clean_email, clean_webhook_url
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid
from vigil.incidents.leverage import leverage_for_incident
from vigil.incidents.models import Incident, IncidentStatus
from vigil.outbox.models import Delivery, DeliveryState
from vigil.playbooks.choice import playbook_for_incident
from vigil.playbooks.models import Playbook

#: An alert starts only from a verified case (or one already being acted on).
LAUNCHABLE = (IncidentStatus.verified, IncidentStatus.active, IncidentStatus.monitoring)
FINISHED = (IncidentStatus.resolved, IncidentStatus.closed)


def load_alert(session: Session, *, org_id: int, alert_id: int) -> Alert:
    return load_in_org(session, Alert, alert_id, org_id=org_id, missing="No such alert.")


def playbook_document(session: Session, alert: Alert) -> dict:
    playbook = session.get(Playbook, alert.playbook_id) if alert.playbook_id else None
    if playbook is None:
        raise Conflict("This alert has no playbook.")
    return playbook.document


def draft_alert(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    actor_user_id: int | None,
    playbook_id: int | None = None,
) -> Alert:
    """A draft alert with the playbook's proposed recipients, for the analyst to review."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if incident.status not in LAUNCHABLE:
        raise Conflict("Only a verified case can be alerted on: verify it first.")
    strategy = consent_check(session, incident_id=incident.id, share_level=ShareLevel.alias)
    if playbook_id is not None:
        playbook = load_in_org(
            session, Playbook, playbook_id, org_id=org_id, missing="No such playbook."
        )
    else:
        # Several types of attack: the most urgent playbook leads (playbooks.choice).
        choice = playbook_for_incident(session, org_id=org_id, incident_id=incident.id)
        if choice is None:
            raise Conflict("No playbook covers this attack type: choose one.")
        playbook = choice.playbook
    document = playbook.document
    alert = Alert(
        organisation_id=org_id,
        incident_id=incident.id,
        playbook_id=playbook.id,
        urgency=int(document.get("urgency", 1)),
        strategy=strategy,
        created_by_id=actor_user_id,
        company_implicated=company_implicated(incident) or "",
    )
    session.add(alert)
    session.flush()
    for number, tier in enumerate(document.get("tiers", []), start=1):
        label = tier.get("label") or {}
        session.add(
            AlertTier(
                alert_id=alert.id,
                tier=number,
                label=(label.get("en") if isinstance(label, dict) else str(label)) or "",
            )
        )
    leverage = leverage_for_incident(session, org_id=org_id, incident_id=incident.id)
    proposals = propose(
        session,
        org_id=org_id,
        incident=incident,
        leverage=leverage,
        tiers=document.get("tiers", []),
    )
    for item in proposals:
        session.add(
            AlertRecipient(
                alert_id=alert.id,
                contact_id=item.contact.id,
                tier=item.tier,
                role=item.role,
                reason=item.reason,
                included=item.included,
            )
        )
    session.flush()
    record_event(
        session,
        action="alert.drafted",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={
            "incident": incident.id,
            "playbook": playbook.code,
            "version": playbook.version,
            "proposed": len(proposals),
            "company_implicated": bool(alert.company_implicated),
        },
    )
    return alert


def ensure_editable(alert: Alert) -> None:
    if alert.status == AlertStatus.awaiting_approval:
        raise Conflict(
            "This alert waits for a second staff member's approval: it can no longer change."
        )
    if alert.status != AlertStatus.draft:
        raise Conflict("This alert was already sent; its recipients can no longer change.")


def set_recipients(
    session: Session,
    *,
    org_id: int,
    alert_id: int,
    included_ids: set[int],
    actor_user_id: int | None,
) -> Alert:
    """Keep only the recipients the analyst ticked (by AlertRecipient id)."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    ensure_editable(alert)
    session.execute(
        update(AlertRecipient)
        .where(AlertRecipient.alert_id == alert.id)
        .values(included=AlertRecipient.id.in_(included_ids) if included_ids else False)
    )
    record_event(
        session,
        action="alert.recipients_changed",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"included": len(included_ids)},
    )
    return alert


def add_recipient(
    session: Session,
    *,
    org_id: int,
    alert_id: int,
    contact_id: int,
    tier: int,
    actor_user_id: int | None,
) -> AlertRecipient:
    """Add a contact by hand (a directory contact of the same organisation)."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    ensure_editable(alert)
    contact = load_in_org(session, Contact, contact_id, org_id=org_id, missing="No such contact.")
    tiers = session.scalar(select(func.max(AlertTier.tier)).where(AlertTier.alert_id == alert.id))
    if not 1 <= tier <= (tiers or 1):
        raise Invalid(f"Choose a tier between 1 and {tiers or 1}.")
    existing = session.scalar(
        select(AlertRecipient).where(
            AlertRecipient.alert_id == alert.id, AlertRecipient.contact_id == contact.id
        )
    )
    if existing is not None:
        existing.included, existing.tier = True, tier
        recipient = existing
    else:
        recipient = AlertRecipient(
            alert_id=alert.id,
            contact_id=contact.id,
            tier=tier,
            role=contact.role,
            reason="added by hand",
            added_by_hand=True,
        )
        session.add(recipient)
    session.flush()
    record_event(
        session,
        action="alert.recipient_added",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"contact": contact.id, "tier": tier},
    )
    return recipient


def _unreachable_recipients(session: Session, alert_id: int) -> list[str]:
    """Included recipients whose stored address would not pass the directory's checks
    (imported or edited elsewhere), or who have no channel at all. Checked before anything
    is queued, so an alert never goes out to half of its recipients."""
    problems = []
    contacts = session.scalars(
        select(Contact)
        .join(AlertRecipient, AlertRecipient.contact_id == Contact.id)
        .where(AlertRecipient.alert_id == alert_id, AlertRecipient.included.is_(True))
        .order_by(Contact.name)
    )
    for contact in contacts:
        if not contact.email and not contact.webhook_url:
            problems.append(f"{contact.name}: no e-mail address or webhook")
            continue
        try:
            clean_email(contact.email or "")
            clean_webhook_url(contact.webhook_url or "")
        except Invalid as error:
            problems.append(f"{contact.name}: {error}")
    return problems


def _checked(session: Session, alert: Alert) -> tuple[Incident, int]:
    """Everything that must hold at the moment of sending (again after an approval: the
    consent may have changed meanwhile): the case, the consent, reachable recipients."""
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    if incident.status not in LAUNCHABLE:
        raise Conflict("Only a verified case can be alerted on.")
    alert.strategy = consent_check(
        session, incident_id=incident.id, share_level=alert.share_level, alert_id=alert.id
    )
    included = session.scalar(
        select(func.count())
        .select_from(AlertRecipient)
        .where(AlertRecipient.alert_id == alert.id, AlertRecipient.included.is_(True))
    )
    if not included:
        raise Invalid("Choose at least one recipient.")
    unreachable = _unreachable_recipients(session, alert.id)
    if unreachable:
        raise Invalid(
            "Nothing was sent: fix or leave out these recipients first: " + "; ".join(unreachable)
        )
    return incident, included


def launch_alert(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    org_id: int,
    alert_id: int,
    actor_user_id: int | None,
    now: datetime,
) -> Alert:
    """Send: consent re-checked, the case becomes active, the chain's first steps queue
    their deliveries in this same transaction. When the playbook asks for four eyes, the
    alert waits for a second staff member's approval instead (alerts/approval.py)."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    ensure_editable(alert)
    incident, included = _checked(session, alert)
    minutes = four_eyes_minutes(playbook_document(session, alert)) if alert.playbook_id else None
    if minutes:
        return hold_for_approval(
            session, alert=alert, minutes=minutes, actor_user_id=actor_user_id, now=now
        )
    return _send(session, vault, settings, alert, incident, included, actor_user_id, now)


def release_alert(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    org_id: int,
    alert_id: int,
    actor_user_id: int | None,
    alone: bool,
    now: datetime,
) -> Alert:
    """Send an alert that waited for four eyes: approved by another member of staff, or
    sent alone by its launcher once the playbook's time limit has passed."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    minutes = four_eyes_minutes(playbook_document(session, alert)) or 0
    check_release(alert, minutes=minutes, actor_user_id=actor_user_id, alone=alone, now=now)
    incident, included = _checked(session, alert)
    record_release(
        session, alert=alert, minutes=minutes, actor_user_id=actor_user_id, alone=alone, now=now
    )
    return _send(session, vault, settings, alert, incident, included, actor_user_id, now)


def _send(
    session: Session,
    vault: Vault,
    settings: Settings,
    alert: Alert,
    incident: Incident,
    included: int,
    actor_user_id: int | None,
    now: datetime,
) -> Alert:
    if incident.status != IncidentStatus.active:
        change_status(
            session,
            org_id=alert.organisation_id,
            incident_id=incident.id,
            status=IncidentStatus.active,
            actor_user_id=actor_user_id,
        )
    note_first_action(incident, actor=actor_user_id, at=now)
    alert.status = AlertStatus.active
    alert.launched_at = now
    alert.verified_at = incident.verified_at
    if alert.company_implicated is None:  # drafted before the branch was stored
        alert.company_implicated = company_implicated(incident) or ""
    session.add(AlertEvent(alert_id=alert.id, at=now, kind="launched", detail=""))
    plan = run_chain(
        session,
        vault,
        settings,
        alert=alert,
        facts=facts_for(session, vault, alert),
        data_key_id=incident.data_key_id,
        now=now,
    )
    record_event(
        session,
        action="alert.launched",
        organisation_id=alert.organisation_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={
            "incident": incident.id,
            "recipients": included,
            "steps": len(plan.actions),
            "company_implicated": alert.company_implicated or None,
        },
    )
    return alert


def stop_alert(
    session: Session,
    *,
    alert: Alert,
    status: str,
    reason: str,
    actor_user_id: int | None,
    now: datetime,
) -> Alert:
    """Resolve or cancel: the chain stops, queued deliveries are cancelled, links of the
    alert stay usable (a late acknowledgement is still welcome)."""
    if alert.status in (AlertStatus.resolved, AlertStatus.cancelled):
        return alert
    if alert.status == AlertStatus.awaiting_approval:
        close_approval_item(session, alert=alert, actor_user_id=actor_user_id, now=now)
    alert.status = status
    alert.chain_due_at = None
    alert.stop_reason = reason[:200]
    if status == AlertStatus.resolved:
        alert.resolved_at = now
    cancelled = session.execute(
        update(Delivery)
        .where(Delivery.alert_id == alert.id, Delivery.state == DeliveryState.queued)
        .values(state=DeliveryState.cancelled, last_error=f"alert {status}")
    ).rowcount
    session.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            kind=status,
            detail=f"{reason[:160]}; {cancelled or 0} queued deliveries cancelled",
        )
    )
    session.flush()
    record_event(
        session,
        action=f"alert.{status}",
        organisation_id=alert.organisation_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"cancelled_deliveries": cancelled or 0},
    )
    return alert


def alerts_for_incident(session: Session, *, org_id: int, incident_id: int) -> list[Alert]:
    load_case(session, org_id=org_id, incident_id=incident_id)
    return list(
        session.scalars(
            select(Alert).where(Alert.incident_id == incident_id).order_by(Alert.id.desc())
        )
    )
