"""Resolving an alert, and the closing message every alerted recipient then gets.

Why it is built this way:
- People who were asked to act deserve to hear that the case is over (or they keep acting, or
  stop trusting the next alert). So when an alert is resolved (by an analyst, or by the worker
  because its case was resolved or closed: alerts/jobs.py) each recipient who was actually sent
  a message of it gets one closing message, through the outbox, in their language.
- "Actually sent": a recipient of a tier never reached, or whose messages were all cancelled
  or failed, never heard of the case and is told nothing now. The closing message goes to the
  channel and address the alert reached them on.
- Once per recipient: never again for the same alert (resolving twice, the worker and an
  analyst at once), and not twice when several alerts of one case are resolved together. A
  recipient of a later alert of the case (reopened) is told again when that one ends.
- The text is the playbook's own ``closing`` (it may use only the case reference, the
  recipient's and organisation's names and the unsubscribe link: playbooks/schema.py), else the
  standard notice (alerts/purpose_texts.py), which exists in every language of the
  interface: a recipient whose language the playbook does not speak gets the notice in their
  own language rather than the playbook's English. It repeats nothing about the defender.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose import SAFE_SUBJECT, Links, compose, in_language
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.facts import facts_for
from vigil.alerts.models import Alert, AlertStatus
from vigil.alerts.service import stop_alert
from vigil.contacts.models import Contact
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.i18n import LOCALES, gettext
from vigil.incidents.models import Incident
from vigil.links.models import LinkPurpose
from vigil.links.service import issue_link, link_url
from vigil.outbox.models import Delivery, DeliveryState
from vigil.outbox.service import queue_delivery
from vigil.playbooks.models import Playbook

CLOSING = "resolution"  # the deliveries' purpose (outbox: still sent after the alert ended)
UNSUBSCRIBE_TTL = timedelta(days=365)
#: A playbook-less alert (a playbook deleted since) still gets the standard notice.
_NO_PLAYBOOK: dict = {"tiers": [], "messages": {}}


def resolve_alert(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    alert: Alert,
    reason: str,
    actor_user_id: int | None,
    now: datetime,
) -> int:
    """Resolve ``alert`` (alerts.service.stop_alert) and queue its closing messages; returns
    how many were queued (0 for an alert resolved before)."""
    stop_alert(
        session,
        alert=alert,
        status=AlertStatus.resolved,
        reason=reason,
        actor_user_id=actor_user_id,
        now=now,
    )
    return queue_closing_messages(session, vault, settings, alert=alert, now=now)


def _document_for(document: dict, language: str) -> dict:
    """The playbook's document when it speaks ``language``, else one that gives the
    standard notice in it (English for a language the interface does not know either)."""
    messages = document.get("messages") or {}
    if language in messages:
        return document
    language = language if language in LOCALES else "en"
    if language in messages:
        return document
    with in_language(language):
        subject = gettext(SAFE_SUBJECT) % {"reference": "{{ case_reference }}"}
    tiers = document.get("tiers") or []
    return {"tiers": tiers, "messages": {language: {"subject": subject, "body": ""}}}


def _reached(session: Session, alert: Alert) -> list[tuple[Contact, int, str, str]]:
    """Each contact the alert was sent to, with a tier, channel and address it went to."""
    rows = session.execute(
        select(Contact, Delivery.tier, Delivery.channel, Delivery.address)
        .join(Delivery, Delivery.contact_id == Contact.id)
        .where(
            Delivery.alert_id == alert.id,
            Delivery.purpose != CLOSING,
            Delivery.state == DeliveryState.sent,
        )
        .distinct()
        .order_by(Contact.id, Delivery.channel, Delivery.address)
    ).all()
    return [(contact, tier or 1, channel, address) for contact, tier, channel, address in rows]


def _told(session: Session, alert: Alert) -> set[int]:
    """Contacts already sent a closing message of this alert, or of another alert of the
    same case resolved since this one was launched."""
    since = alert.launched_at or alert.created_at
    return set(
        session.scalars(
            select(Delivery.contact_id)
            .join(Alert, Alert.id == Delivery.alert_id)
            .where(
                Alert.incident_id == alert.incident_id,
                Delivery.purpose == CLOSING,
                Delivery.contact_id.is_not(None),
                (Alert.id == alert.id) | (Alert.resolved_at >= since),
            )
        )
    )


def queue_closing_messages(
    session: Session, vault: Vault, settings: Settings, *, alert: Alert, now: datetime
) -> int:
    """Queue the closing message of a resolved alert to each recipient it reached who was not
    told yet (see the module docstring); returns how many deliveries were queued."""
    if alert.status != AlertStatus.resolved:
        return 0
    reached = _reached(session, alert)
    told = _told(session, alert)
    pending = [row for row in reached if row[0].id not in told and row[0].opted_out_at is None]
    if not pending:
        return 0
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    playbook = session.get(Playbook, alert.playbook_id) if alert.playbook_id else None
    document = playbook.document if playbook is not None else _NO_PLAYBOOK
    facts = facts_for(session, vault, alert)
    unsubscribe: dict[int, str] = {}
    for contact, tier, channel, address in pending:
        if contact.id not in unsubscribe:
            token = issue_link(
                session,
                settings,
                organisation_id=alert.organisation_id,
                purpose=LinkPurpose.unsubscribe,
                alert_id=alert.id,
                contact_id=contact.id,
                ttl=UNSUBSCRIBE_TTL,
                now=now,
            )
            unsubscribe[contact.id] = link_url(settings, token)
        message = compose(
            _document_for(document, contact.language),
            facts,
            language=contact.language,
            recipient_name=contact.name,
            tier=tier,
            purpose=CLOSING,
            links=Links("", "", "", unsubscribe[contact.id]),
            alert_id=alert.id,
        )
        queue_delivery(
            session,
            vault,
            organisation_id=alert.organisation_id,
            data_key_id=incident.data_key_id,
            alert_id=alert.id,
            contact_id=contact.id,
            tier=tier,
            purpose=CLOSING,
            channel=channel,
            address=address,
            language=message.language,
            urgency=3,
            content=message.content(),
            timeline=ALERT_TIMELINE,
        )
    return len(pending)
