"""Carrying out an alert's escalation chain: turn the plan of alerts/escalation.py into
deliveries (written in the same transaction as the decision: the deliveries table is the
outbox) and into timeline events.

Used at launch (the first ``notify`` goes out at once) and by the worker (alerts/jobs.py) when
a wait has passed. Content is composed per recipient in their language, with signed links of
their own, and sealed with the incident's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose import Facts, Links, compose
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.escalation import Plan, TierState, advance
from vigil.alerts.models import Alert, AlertEvent, AlertRecipient, AlertTier
from vigil.alerts.proposal import channels_of
from vigil.contacts.models import Contact
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
) -> int:
    """Queue one delivery per included recipient of ``tier`` per channel; returns how many.
    Opted-out contacts are skipped (and the skip is on the timeline)."""
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


def tier_states(session: Session, alert_id: int) -> dict[int, AlertTier]:
    tiers = session.scalars(select(AlertTier).where(AlertTier.alert_id == alert_id)).all()
    return {t.tier: t for t in tiers}


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
