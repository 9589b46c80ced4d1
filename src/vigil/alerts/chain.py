"""Carrying out an alert's escalation chain: turn the plan of alerts/escalation.py into
deliveries (written in the same transaction as the decision: the deliveries table is the
outbox) and into timeline events.

Used at launch (the first ``notify`` goes out at once) and by the worker (alerts/jobs.py) when
a wait has passed. Content is composed per recipient in their language, with signed links of
their own, and sealed with the incident's key. Each recipient gets the body written for their
type (alerts/recipient_types.py); UN special procedures get no e-mail (the analyst sends them
a submission pack from the alert page) and the timeline says so. A reminder goes only to the
recipients who have neither acknowledged nor answered; an escalation names the organisations
of the silent tier and the date they were informed, and what a silent tier leaves behind
(marks, inbox items) is recorded by alerts/silence.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts import event_details
from vigil.alerts.compose import Facts, Links, compose
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.escalation import Action, Plan, RecipientState, TierState, advance
from vigil.alerts.facts import recipient_consented
from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRecipient,
    AlertTier,
)
from vigil.alerts.proposal import channels_of
from vigil.alerts.purpose_texts import Silent
from vigil.alerts.recipient_types import is_special_procedures, recipient_type
from vigil.alerts.silence import mark_no_response, silent_organisations, tell_staff_tier_silent
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
    now: datetime,
    only_contacts: frozenset[int] | None = None,
    silent: tuple[Silent, ...] = (),
) -> int:
    """Queue one delivery per included recipient of ``tier`` per channel (only those of
    ``only_contacts`` when given: a reminder's); returns how many. Opted-out contacts and UN
    special procedures are skipped (and the skip is on the timeline). A recipient sent
    something is marked informed, with the date an escalation will say."""
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
        if only_contacts is not None and recipient.contact_id not in only_contacts:
            continue
        if contact.opted_out_at is not None:
            session.add(
                AlertEvent(
                    alert_id=alert.id,
                    at=now,
                    kind="failed",
                    tier=tier,
                    contact_id=contact.id,
                    detail=event_details.UNSUBSCRIBED,
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
                    detail=event_details.SPECIAL_PROCEDURES,
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
                    detail=event_details.NO_CONSENT,
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
        recipient.notified_at = recipient.notified_at or now
    return queued


def tier_states(session: Session, alert_id: int) -> dict[int, AlertTier]:
    tiers = session.scalars(select(AlertTier).where(AlertTier.alert_id == alert_id)).all()
    return {t.tier: t for t in tiers}


def _recipients_by_tier(session: Session, alert_id: int) -> dict[int, list[AlertRecipient]]:
    rows = session.scalars(
        select(AlertRecipient)
        .where(AlertRecipient.alert_id == alert_id, AlertRecipient.included.is_(True))
        .order_by(AlertRecipient.id)
    ).all()
    grouped: dict[int, list[AlertRecipient]] = {}
    for row in rows:
        grouped.setdefault(row.tier, []).append(row)
    return grouped


def _escalation_states(
    tiers: Mapping[int, AlertTier], recipients: Mapping[int, list[AlertRecipient]]
) -> dict[int, TierState]:
    """What alerts/escalation.py decides on: per tier, whether it was notified and where
    each of its included recipients stands."""
    return {
        number: TierState(
            notified=row.notified_at is not None,
            recipients=tuple(
                RecipientState(
                    contact_id=r.contact_id,
                    acknowledged=r.acknowledged_at is not None,
                    response=r.response,
                    no_response=r.no_response_at is not None,
                )
                for r in recipients.get(number, [])
            ),
        )
        for number, row in tiers.items()
    }


def _event(session: Session, alert: Alert, now: datetime, kind: str, **fields: Any) -> None:
    session.add(AlertEvent(alert_id=alert.id, at=now, kind=kind, **fields))


def _escalation_detail(action: Action, count: int) -> str:
    return event_details.escalation_detail(action.rule, action.from_tier, count)


def _send(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    alert: Alert,
    document: Mapping[str, Any],
    facts: Facts,
    data_key_id: int,
    action: Action,
    tiers: Mapping[int, AlertTier],
    now: datetime,
) -> None:
    """Carry out a notify, remind or escalate action and put it on the timeline."""
    escalating = action.kind == "escalate" and action.from_tier is not None
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
        only_contacts=frozenset(action.contacts) if action.kind == "remind" else None,
        now=now,
        silent=silent_organisations(session, alert.id, action.from_tier) if escalating else (),
    )
    tier_row = tiers.get(action.tier)
    if tier_row is not None:
        if action.kind == "remind":
            tier_row.reminders_sent += 1
        else:
            tier_row.notified_at = tier_row.notified_at or now
        if action.kind == "escalate":
            tier_row.escalated_at = now
    kind = {"notify": "queued", "remind": "reminded", "escalate": "escalated"}[action.kind]
    detail = (
        _escalation_detail(action, count) if escalating else event_details.deliveries_detail(count)
    )
    _event(session, alert, now, kind, tier=action.tier, detail=detail)
    if escalating:
        tell_staff_tier_silent(
            session, alert=alert, tier=action.from_tier or 0, escalated_to=action.tier, now=now
        )


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
    recipients = _recipients_by_tier(session, alert.id)
    plan = advance(
        chain,
        step=alert.chain_step,
        repeats=alert.chain_repeats,
        tiers=_escalation_states(tiers, recipients),
        now=now,
    )
    for action in plan.actions:
        if action.kind == "no_response":
            mark_no_response(session, alert, action, recipients, now)
        elif action.kind == "silent":
            detail = event_details.LAST_TIER_SILENT
            _event(session, alert, now, AlertEventKind.tier_silent, tier=action.tier, detail=detail)
            tell_staff_tier_silent(
                session, alert=alert, tier=action.tier, escalated_to=None, now=now
            )
        else:
            _send(
                session,
                vault,
                settings,
                alert=alert,
                document=document,
                facts=facts,
                data_key_id=data_key_id,
                action=action,
                tiers=tiers,
                now=now,
            )
    for reason in plan.skipped:
        _event(session, alert, now, AlertEventKind.skipped, detail=reason[:500])
    alert.chain_step, alert.chain_repeats, alert.chain_due_at = plan.step, plan.repeats, plan.due_at
    session.flush()
    return plan
