"""What the recipient of an alert does through a signed link: acknowledge it, ask for more
information, respond, or unsubscribe; and the staff action that withdraws an alert's links.

The links themselves (issue, resolve, count a use) are ``vigil.links``; these are the alert's
rules, so they live with the alert.

Why it is built this way:
- Links that put words in front of the case team cannot be used to flood it: a response link
  is single-use (once used it answers like an unknown link), and a recipient may ask for more
  information ``VIGIL_LINK_INFO_REQUESTS_PER_DAY`` times per alert in any 24 hours (the
  request-information links of the alert's reminders share that count, which is taken under a
  lock of the recipient's row so two requests at once cannot both pass it).
- Withdrawing an alert's links never withdraws its unsubscribe links: a recipient must always
  be able to opt out.
- A recipient's actions tell the case team *that* something happened, never *what*: e-mail
  leaves the deployment in clear, so it carries a case number and a staff URL only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRecipient,
    AlertResponse,
    AlertTier,
    ResponseKind,
)
from vigil.alerts.service import load_alert
from vigil.contacts.models import Contact
from vigil.contacts.service import opt_out
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.errors import Invalid, NotFound, VigilError
from vigil.inbox.models import InboxKind
from vigil.inbox.service import raise_item
from vigil.incidents.models import Incident
from vigil.links.limits import take_single_use
from vigil.links.models import LinkPurpose, SignedLink
from vigil.links.service import ALERT_PURPOSES, INVALID_LINK, record_use, revoke_links
from vigil.outbox.paging import case_team_addresses
from vigil.outbox.service import cancel_queued
from vigil.outbox.staff_email import queue_email

MAX_RESPONSE = 10_000
INFO_REQUEST_WINDOW = timedelta(hours=24)


class LinkLimitReached(VigilError):
    """The recipient sent as many requests through this kind of link as a day allows."""


def within_daily_limit(
    session: Session, settings: Settings, recipient: AlertRecipient, *, now: datetime
) -> None:
    """Refuse a request for information beyond the daily number per recipient and alert
    (counted over every link of the alert, so the reminders' fresh links do not reset it)."""
    sent = session.scalar(
        select(func.count())
        .select_from(AlertResponse)
        .where(
            AlertResponse.alert_id == recipient.alert_id,
            AlertResponse.contact_id == recipient.contact_id,
            AlertResponse.kind == "info_request",
            AlertResponse.created_at > now - INFO_REQUEST_WINDOW,
        )
    )
    if (sent or 0) >= settings.link_info_requests_per_day:
        raise LinkLimitReached("Too many requests for information through this link today.")


def revoke_alert_links(
    session: Session,
    *,
    org_id: int,
    alert_id: int,
    contact_id: int | None,
    actor_user_id: int,
    now: datetime,
) -> tuple[Alert, int]:
    """Staff action: withdraw the links of an alert, or those of one of its contacts, that
    act on the alert (acknowledge, request information, respond). Unsubscribe links stay: a
    recipient must always be able to opt out."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    if contact_id is not None:
        load_in_org(session, Contact, contact_id, org_id=org_id, missing="No such contact.")
    count = revoke_links(
        session, alert_id=alert.id, contact_id=contact_id, purposes=ALERT_PURPOSES, now=now
    )
    record_event(
        session,
        action="link.revoked",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"contact": contact_id, "links": count},
    )
    return alert, count


def link_contact(session: Session, link: SignedLink) -> Contact | None:
    """Whom the link was issued to (its page speaks their language); None for a link that
    names no contact."""
    return session.get(Contact, link.contact_id) if link.contact_id is not None else None


def _recipient(session: Session, link: SignedLink, *, lock: bool = False) -> AlertRecipient:
    """``lock``: hold the recipient's row (PostgreSQL) so that two requests at once cannot
    both pass the daily count of ``within_daily_limit``."""
    query = select(AlertRecipient).where(
        AlertRecipient.alert_id == link.alert_id, AlertRecipient.contact_id == link.contact_id
    )
    recipient = session.scalar(query.with_for_update() if lock else query)
    if recipient is None:
        raise NotFound(INVALID_LINK)
    return recipient


def is_acknowledged(session: Session, link: SignedLink) -> bool:
    return _recipient(session, link).acknowledged_at is not None


def acknowledge(session: Session, *, link: SignedLink, now: datetime) -> bool:
    """Record the recipient's acknowledgement (and the tier's first). It pauses the reminders
    to this recipient only: acknowledging is not responding, so the tier still escalates
    without a substantive response (alerts/escalation.py). True the first time; a repeat
    changes nothing but is audited."""
    recipient = _recipient(session, link)
    first = recipient.acknowledged_at is None
    if first:
        recipient.acknowledged_at = now
        tier = session.scalar(
            select(AlertTier).where(
                AlertTier.alert_id == recipient.alert_id, AlertTier.tier == recipient.tier
            )
        )
        if tier is not None and tier.acknowledged_at is None:
            tier.acknowledged_at = now
        session.add(
            AlertEvent(
                alert_id=recipient.alert_id,
                at=now,
                kind=AlertEventKind.acknowledged,
                tier=recipient.tier,
                contact_id=recipient.contact_id,
            )
        )
        session.flush()
        record_event(
            session,
            action="alert.acknowledged",
            organisation_id=link.organisation_id,
            object_type="alert",
            object_id=recipient.alert_id,
            detail={"contact": recipient.contact_id, "tier": recipient.tier},
        )
    record_use(session, link, now=now, action="acknowledged" if first else "already_acknowledged")
    return first


def record_response(
    session: Session,
    settings: Settings,
    vault: Vault,
    *,
    link: SignedLink,
    body: str,
    now: datetime,
    declined: bool = False,
) -> AlertResponse:
    """Keep what a recipient wrote (a request for information, or a response: substantive,
    or ``declined`` to act) and tell the case team that it arrived, without a word of it."""
    if link.purpose not in (LinkPurpose.request_info, LinkPurpose.respond):
        raise Invalid("This link does not take a message.")
    text = body.strip()
    if not text:
        raise Invalid("Write your message.")
    if len(text) > MAX_RESPONSE:
        raise Invalid(f"Please keep the message under {MAX_RESPONSE} characters.")
    asked = link.purpose == LinkPurpose.request_info
    recipient = _recipient(session, link, lock=asked)
    if asked:
        within_daily_limit(session, settings, recipient, now=now)
    elif not take_single_use(session, link, now=now):
        raise NotFound(INVALID_LINK)
    alert = session.get(Alert, recipient.alert_id)
    assert alert is not None
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    response = AlertResponse(
        organisation_id=link.organisation_id,
        alert_id=recipient.alert_id,
        contact_id=recipient.contact_id,
        kind="info_request" if asked else answer_kind(declined),
        data_key_id=incident.data_key_id,
        body_sealed=vault.seal(incident.data_key_id, text),
        created_at=now,
    )
    session.add(response)
    note_answer(recipient, ResponseKind.info_requested if asked else answer_kind(declined), now)
    session.add(
        AlertEvent(
            alert_id=recipient.alert_id,
            at=now,
            kind=AlertEventKind.info_requested if asked else AlertEventKind.responded,
            tier=recipient.tier,
            contact_id=recipient.contact_id,
            detail="" if asked else answer_kind(declined),
        )
    )
    session.flush()
    raise_item(
        session,
        org_id=incident.organisation_id,
        kind=InboxKind.information_request if asked else InboxKind.recipient_response,
        object_type="alert",
        object_id=alert.id,
        path=f"/staff/alerts/{alert.id}#responses",
        source_key=f"alert-response:{response.id}",
        now=now,
    )
    what = "asked for more information" if asked else "responded"
    for address in case_team_addresses(
        session, org_id=incident.organisation_id, assignee_id=incident.assignee_id, urgent=False
    ):
        queue_email(
            session,
            to_address=address,
            subject=f"[Vigil] A recipient {what} on case #{incident.id}",
            body=(
                f"A recipient of alert #{alert.id} {what} on case #{incident.id}.\n"
                f"Read it in Vigil: {staff_alerts_url(settings, incident.id)}\n\n"
                "This message contains nothing of what they wrote."
            ),
            organisation_id=incident.organisation_id,
        )
    record_use(session, link, now=now, action=response.kind, counted=not asked)
    return response


def answer_kind(declined: bool) -> ResponseKind:
    return ResponseKind.declined if declined else ResponseKind.substantive


def note_answer(recipient: AlertRecipient, kind: ResponseKind, now: datetime) -> None:
    """Where the recipient stands after answering: a substantive response is never undone by
    a later request or refusal (it is what stops the escalation)."""
    if recipient.response != ResponseKind.substantive:
        recipient.response = kind
    if kind != ResponseKind.info_requested and recipient.responded_at is None:
        recipient.responded_at = now


def unsubscribe(session: Session, *, link: SignedLink, now: datetime, one_click: bool) -> bool:
    """Opt the contact out of every alert and cancel what is still queued for them. True if
    they were not opted out already; a repeat is harmless (and audited as a use)."""
    if link.purpose != LinkPurpose.unsubscribe:
        raise Invalid("This link cannot unsubscribe anyone.")
    contact = link_contact(session, link)
    if contact is None:
        raise NotFound(INVALID_LINK)
    reason = "one-click unsubscribe" if one_click else "unsubscribe link"
    first = opt_out(session, contact=contact, reason=reason, now=now)
    if first:
        cancel_queued(
            session,
            contact_id=contact.id,
            reason="contact unsubscribed",
            now=now,
            timeline=ALERT_TIMELINE,
        )
        if link.alert_id is not None:
            session.add(
                AlertEvent(
                    alert_id=link.alert_id,
                    at=now,
                    kind=AlertEventKind.unsubscribed,
                    contact_id=contact.id,
                    detail=reason,
                )
            )
            session.flush()
    record_use(session, link, now=now, action="unsubscribed" if first else "already_unsubscribed")
    return first


def staff_alerts_url(settings: Settings, incident_id: int) -> str:
    return f"{settings.base_url.rstrip('/')}/staff/incidents/{incident_id}/alerts"
