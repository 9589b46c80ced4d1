"""Carrying out an alert's escalation chain: turn the plan of alerts/escalation.py into
deliveries (written in the same transaction as the decision: the deliveries table is the
outbox) and into timeline events.

Used at launch (the first ``notify`` goes out at once) and by the worker (alerts/jobs.py) when
a wait has passed. Content is composed per recipient in their language, with signed links of
their own, and sealed with the incident's key. Each recipient gets the body written for their
type (alerts/recipient_types.py); UN special procedures get no e-mail (the analyst sends them
a submission pack from the alert page) and the timeline says so. An escalation names the
organisations of the silent tier and the date they were informed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose import Facts, Links, compose
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.escalation import Action, Plan, TierState, advance
from vigil.alerts.facts import recipient_consented
from vigil.alerts.models import Alert, AlertEvent, AlertRecipient, AlertTier
from vigil.alerts.proposal import channels_of
from vigil.alerts.purpose_texts import Silent
from vigil.alerts.recipient_types import is_special_procedures, recipient_type
from vigil.contacts.models import Contact
from vigil.contacts.roles import CONTACT_ROLES
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.links.models import LinkPurpose
from vigil.links.service import issue_link, link_url
from vigil.outbox.service import queue_delivery
from vigil.playbooks.models import Playbook

LINK_TTL = {
    LinkPurpose.acknowledge: timedelta(days=30),
    LinkPurpose.request_info: timedelta(days=30),
    LinkPurpose.respond: timedelta(days=30),
    LinkPurpose.unsubscribe: timedelta(days=365),
}
DEFAULT_CHANNELS = ("email", "webhook")
PURPOSE_OF_ACTION = {"notify": "alert", "escalate": "escalation", "remind": "reminder"}


def _links(
    session: Session, settings: Settings, alert: Alert, contact_id: int, now: datetime
) -> Links:
    urls = {}
    for purpose, ttl in LINK_TTL.items():
        token = issue_link(
            session,
            settings,
            organisation_id=alert.organisation_id,
            purpose=purpose,
            alert_id=alert.id,
            contact_id=contact_id,
            ttl=ttl,
            now=now,
        )
        urls[purpose] = link_url(settings, token)
    return Links(
        acknowledge_url=urls[LinkPurpose.acknowledge],
        request_info_url=urls[LinkPurpose.request_info],
        respond_url=urls[LinkPurpose.respond],
        unsubscribe_url=urls[LinkPurpose.unsubscribe],
    )


def send_to_tier(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    alert: Alert,
    document: Mapping[str, Any],
    facts: Facts,
    data_key_id: int,
    tier: int,
    purpose: str,
    only_unacknowledged: bool,
    now: datetime,
    silent: tuple[Silent, ...] = (),
) -> int:
    """Queue one delivery per included recipient of ``tier`` per channel; returns how many.
    Opted-out contacts and UN special procedures are skipped (and the skip is on the
    timeline)."""
    tiers = document.get("tiers", [])
    spec = tiers[tier - 1] if 0 < tier <= len(tiers) else {}
    allowed = spec.get("channels") or DEFAULT_CHANNELS
    rows = session.execute(
        select(AlertRecipient, Contact)
        .join(Contact, Contact.id == AlertRecipient.contact_id)
        .where(
            AlertRecipient.alert_id == alert.id,
            AlertRecipient.tier == tier,
            AlertRecipient.included.is_(True),
        )
        .order_by(AlertRecipient.id)
    ).all()
    queued = 0
    for recipient, contact in rows:
        if only_unacknowledged and recipient.acknowledged_at is not None:
            continue
        if contact.opted_out_at is not None:
            session.add(
                AlertEvent(
                    alert_id=alert.id,
                    at=now,
                    kind="failed",
                    tier=tier,
                    contact_id=contact.id,
                    detail="not sent: the contact unsubscribed",
                )
            )
            continue
        if is_special_procedures(kind=contact.kind, role=contact.role):
            session.add(
                AlertEvent(
                    alert_id=alert.id,
                    at=now,
                    kind="skipped",
                    tier=tier,
                    contact_id=contact.id,
                    detail="UN special procedures: no e-mail; send the submission pack "
                    "from the alert page",
                )
            )
            continue
        if not recipient_consented(
            session, incident_id=alert.incident_id, kind=contact.kind, role=contact.role, at=now
        ):
            session.add(
                AlertEvent(
                    alert_id=alert.id,
                    at=now,
                    kind="skipped",
                    tier=tier,
                    contact_id=contact.id,
                    detail="not sent: the defender's consent for this kind of recipient "
                    "is missing or has expired",
                )
            )
            continue
        pairs = channels_of(contact, allowed)
        if not pairs:
            continue
        message = compose(
            document,
            facts,
            language=contact.language,
            recipient_name=contact.name,
            tier=tier,
            purpose=purpose,
            links=_links(session, settings, alert, contact.id, now),
            alert_id=alert.id,
            recipient_type=recipient_type(kind=contact.kind, role=contact.role),
            silent=silent,
        )
        for channel, address in pairs:
            queue_delivery(
                session,
                vault,
                organisation_id=alert.organisation_id,
                data_key_id=data_key_id,
                alert_id=alert.id,
                contact_id=contact.id,
                tier=tier,
                purpose=purpose,
                channel=channel,
                address=address,
                language=message.language,
                urgency=alert.urgency,
                content=message.content(),
                timeline=ALERT_TIMELINE,
            )
            queued += 1
    return queued


def silent_organisations(
    session: Session, alert_id: int, tier: int, informed_at: datetime | None
) -> tuple[Silent, ...]:
    """The organisations of ``tier`` that did not acknowledge, with the day they were
    informed: the organisation's name, or the contact's role when it has none (never a
    person's name)."""
    if informed_at is None:
        return ()
    contacts = session.scalars(
        select(Contact)
        .join(AlertRecipient, AlertRecipient.contact_id == Contact.id)
        .where(
            AlertRecipient.alert_id == alert_id,
            AlertRecipient.tier == tier,
            AlertRecipient.included.is_(True),
            AlertRecipient.acknowledged_at.is_(None),
        )
        .order_by(AlertRecipient.id)
    ).all()
    names = [c.organisation_name or CONTACT_ROLES.get(c.role, "") for c in contacts]
    return tuple(Silent(name, informed_at.date()) for name in dict.fromkeys(names) if name)


def tier_states(session: Session, alert_id: int) -> dict[int, AlertTier]:
    tiers = session.scalars(select(AlertTier).where(AlertTier.alert_id == alert_id)).all()
    return {t.tier: t for t in tiers}


def _silent_for(
    session: Session, alert_id: int, action: Action, tiers: Mapping[int, AlertTier]
) -> tuple[Silent, ...]:
    if action.kind != "escalate" or action.from_tier is None:
        return ()
    silent_tier = tiers.get(action.from_tier)
    informed = silent_tier.notified_at if silent_tier is not None else None
    return silent_organisations(session, alert_id, action.from_tier, informed)


def run_chain(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    alert: Alert,
    facts: Facts,
    data_key_id: int,
    now: datetime,
) -> Plan:
    """Advance the alert's chain as far as it goes now, queueing what it says."""
    playbook = session.get(Playbook, alert.playbook_id) if alert.playbook_id else None
    document: Mapping[str, Any] = playbook.document if playbook else {}
    chain = document.get("chain") or [{"notify": 1}]
    tiers = tier_states(session, alert.id)
    plan = advance(
        chain,
        step=alert.chain_step,
        repeats=alert.chain_repeats,
        tiers={
            number: TierState(
                notified=t.notified_at is not None, acknowledged=t.acknowledged_at is not None
            )
            for number, t in tiers.items()
        },
        now=now,
    )
    for action in plan.actions:
        tier_row = tiers.get(action.tier)
        count = send_to_tier(
            session,
            vault,
            settings,
            alert=alert,
            document=document,
            facts=facts,
            data_key_id=data_key_id,
            tier=action.tier,
            purpose=PURPOSE_OF_ACTION[action.kind],
            only_unacknowledged=action.kind == "remind",
            now=now,
            silent=_silent_for(session, alert.id, action, tiers),
        )
        if tier_row is not None:
            if action.kind == "remind":
                tier_row.reminders_sent += 1
            else:
                tier_row.notified_at = tier_row.notified_at or now
            if action.kind == "escalate":
                tier_row.escalated_at = now
        kind = {"notify": "queued", "remind": "reminded", "escalate": "escalated"}[action.kind]
        detail = f"{count} deliveries"
        if action.kind == "escalate":
            detail = f"tier {action.from_tier} did not acknowledge; {count} deliveries"
        session.add(
            AlertEvent(alert_id=alert.id, at=now, kind=kind, tier=action.tier, detail=detail)
        )
    for reason in plan.skipped:
        session.add(AlertEvent(alert_id=alert.id, at=now, kind="skipped", detail=reason[:500]))
    alert.chain_step, alert.chain_repeats, alert.chain_due_at = plan.step, plan.repeats, plan.due_at
    session.flush()
    return plan
