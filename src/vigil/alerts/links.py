"""Signed links: what a recipient without an account can do, one thing per link.

Why it is built this way:
- A link is a capability. Its token is 256 random bits (``secrets``), so guessing one is
  hopeless and no throttle is needed; only an HMAC of it, keyed with the server secret *and
  the link's purpose*, is stored. A stolen database gives no usable link, and a row whose
  purpose was edited in the database stops matching its own token: the purpose is bound to
  the token and always read from the row, never from the request.
- Unknown, expired and revoked tokens fail with one and the same ``NotFound``, so the answer
  is not an oracle for which tokens once existed.
- Every use (never a mere view: mail scanners prefetch links) is audited with the purpose and
  the link id, never the token or anything about the visitor.
- Links that put words in front of the case team cannot be used to flood it: a response link
  is single-use (once used it answers like an unknown link), and a recipient may ask for more
  information ``VIGIL_LINK_INFO_REQUESTS_PER_DAY`` times per alert in any 24 hours (the
  request-information links of the alert's reminders share that count).
- Withdrawing an alert's links never withdraws its unsubscribe links: a recipient must always
  be able to opt out.
- A recipient's actions tell the case team *that* something happened, never *what*: e-mail
  leaves the deployment in clear, so it carries a case number and a staff URL only.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.directory import opt_out
from vigil.alerts.link_limits import SINGLE_USE, take_single_use, within_daily_limit
from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRecipient,
    AlertResponse,
    AlertTier,
    CheckInSchedule,
    Contact,
    LinkPurpose,
    SignedLink,
)
from vigil.alerts.outbox import cancel_queued
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.errors import Invalid, NotFound
from vigil.core.security import keyed_digest, new_token
from vigil.incidents.models import Incident
from vigil.notifications.duty import on_duty_or_everyone, responders
from vigil.notifications.service import queue_email

#: How long a link lives unless the caller says otherwise. A check-in link lives as long as a
#: schedule reasonably runs; stopping the schedule revokes it sooner.
DEFAULT_TTL: dict[str, timedelta] = {
    LinkPurpose.acknowledge: timedelta(days=30),
    LinkPurpose.request_info: timedelta(days=30),
    LinkPurpose.respond: timedelta(days=30),
    LinkPurpose.unsubscribe: timedelta(days=365),
    LinkPurpose.check_in: timedelta(days=180),
}
#: Purposes that act on one recipient of one alert.
ALERT_PURPOSES = frozenset({LinkPurpose.acknowledge, LinkPurpose.request_info, LinkPurpose.respond})
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
INVALID_LINK = "This link is not valid: it may have expired or been withdrawn."
MAX_RESPONSE = 10_000


def _digest(settings: Settings, purpose: str, token: str) -> str:
    return keyed_digest(settings.secret, "signed-link", purpose, token)


def _same_org(row: object | None, organisation_id: int, what: str) -> None:
    if row is None or getattr(row, "organisation_id", None) != organisation_id:
        raise NotFound(f"No such {what}.")


def issue_link(
    session: Session,
    settings: Settings,
    *,
    organisation_id: int,
    purpose: str,
    alert_id: int | None = None,
    contact_id: int | None = None,
    check_in_schedule_id: int | None = None,
    ttl: timedelta | None = None,
    now: datetime,
) -> str:
    """Store a new link and return its raw token (shown or sent once, never stored).

    ``ttl`` defaults to the purpose's :data:`DEFAULT_TTL`. What the link points at must belong
    to ``organisation_id``: a link can never act on another organisation's rows."""
    if purpose not in {str(p) for p in LinkPurpose}:
        raise Invalid(f"Unknown link purpose: {purpose}.")
    if purpose in ALERT_PURPOSES and (alert_id is None or contact_id is None):
        raise Invalid("This kind of link needs an alert and a contact.")
    if purpose == LinkPurpose.unsubscribe and contact_id is None:
        raise Invalid("An unsubscribe link needs a contact.")
    if purpose == LinkPurpose.check_in and check_in_schedule_id is None:
        raise Invalid("A check-in link needs a schedule.")
    if alert_id is not None:
        _same_org(session.get(Alert, alert_id), organisation_id, "alert")
    if contact_id is not None:
        _same_org(session.get(Contact, contact_id), organisation_id, "contact")
    if check_in_schedule_id is not None:
        _same_org(session.get(CheckInSchedule, check_in_schedule_id), organisation_id, "schedule")
    lifetime = ttl if ttl is not None else DEFAULT_TTL[purpose]
    if lifetime <= timedelta(0):
        raise Invalid("A link must live for some time.")
    token = new_token()
    session.add(
        SignedLink(
            organisation_id=organisation_id,
            token_hash=_digest(settings, purpose, token),
            purpose=purpose,
            alert_id=alert_id,
            contact_id=contact_id,
            check_in_schedule_id=check_in_schedule_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/l/{token}"


def resolve_link(session: Session, settings: Settings, token: str, *, now: datetime) -> SignedLink:
    """The live link for ``token``, or ``NotFound`` (same message whatever the reason)."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        raise NotFound(INVALID_LINK)
    digests = {_digest(settings, purpose, token): str(purpose) for purpose in LinkPurpose}
    link = session.scalar(select(SignedLink).where(SignedLink.token_hash.in_(list(digests))))
    if (
        link is None
        or digests[link.token_hash] != link.purpose
        or link.revoked_at is not None
        or link.expires_at <= now
        or (link.purpose in SINGLE_USE and link.uses > 0)
    ):
        raise NotFound(INVALID_LINK)
    return link


def revoke_links(
    session: Session,
    *,
    alert_id: int | None = None,
    contact_id: int | None = None,
    link_id: int | None = None,
    check_in_schedule_id: int | None = None,
    purposes: Collection[str] | None = None,
    now: datetime,
) -> int:
    """Revoke the live links matching every given filter (``purposes``: only links for
    these); returns how many. At least one filter besides ``purposes`` is required (revoking
    every link of every organisation is never meant)."""
    filters = [
        column == value
        for column, value in (
            (SignedLink.alert_id, alert_id),
            (SignedLink.contact_id, contact_id),
            (SignedLink.id, link_id),
            (SignedLink.check_in_schedule_id, check_in_schedule_id),
        )
        if value is not None
    ]
    if not filters:
        raise Invalid("Say which links to revoke.")
    if purposes is not None:
        filters.append(SignedLink.purpose.in_([str(p) for p in purposes]))
    links = session.scalars(select(SignedLink).where(*filters, SignedLink.revoked_at.is_(None)))
    count = 0
    for link in links:  # through the ORM, so links already loaded in this session see it too
        link.revoked_at = now
        count += 1
    session.flush()
    return count


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
    alert = session.get(Alert, alert_id)
    _same_org(alert, org_id, "alert")
    assert alert is not None
    if contact_id is not None:
        _same_org(session.get(Contact, contact_id), org_id, "contact")
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


def record_use(
    session: Session, link: SignedLink, *, now: datetime, action: str, counted: bool = False
) -> None:
    """Count and audit one use (never the token, never anything about the visitor);
    ``counted``: ``take_single_use`` already counted it."""
    if not counted:
        link.uses += 1
        link.last_used_at = now
    session.flush()
    record_event(
        session,
        action="link.used",
        organisation_id=link.organisation_id,
        object_type="signed_link",
        object_id=link.id,
        detail={"purpose": link.purpose, "link": link.id, "action": action},
    )


def link_contact(session: Session, link: SignedLink) -> Contact | None:
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
    """Record the recipient's acknowledgement and its tier's (the first one stops the tier's
    reminders and escalation). True the first time; a repeat changes nothing but is audited."""
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
) -> AlertResponse:
    """Keep what a recipient wrote (a request for information or a response) and tell the
    case team that it arrived, without a word of it."""
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
        kind="info_request" if asked else "response",
        data_key_id=incident.data_key_id,
        body_sealed=vault.seal(incident.data_key_id, text),
        created_at=now,
    )
    session.add(response)
    session.add(
        AlertEvent(
            alert_id=recipient.alert_id,
            at=now,
            kind=AlertEventKind.info_requested if asked else AlertEventKind.responded,
            tier=recipient.tier,
            contact_id=recipient.contact_id,
        )
    )
    session.flush()
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
        cancel_queued(session, contact_id=contact.id, reason="contact unsubscribed", now=now)
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


def case_team_addresses(
    session: Session, *, org_id: int, assignee_id: int | None, urgent: bool
) -> list[str]:
    """Who hears about a case's event, by e-mail. The same rule as urgent reports
    (notifications/duty.py): the analysts and coordinators on duty, or every one of them if
    nobody is on duty. The case's assignee comes first; for an ``urgent`` event the people on
    duty are told as well, otherwise the assignee alone is enough."""
    rows = responders(session, org_id=org_id)
    assignee = [email for user_id, email, _duty in rows if user_id == assignee_id]
    on_duty = [email for _id, email, duty in rows if duty]
    chosen = assignee + on_duty if urgent else assignee or on_duty
    return list(dict.fromkeys(chosen)) or on_duty_or_everyone(rows)
