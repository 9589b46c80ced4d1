"""Signed links: what someone without an account can do, one thing per link.

This domain knows links only: issue, resolve, count a use, revoke, and the purpose table.
What a use *does* belongs to the domain the link points at (an alert recipient's actions in
``alerts/recipient_actions.py``, a check-in in ``checkins/``), so links sit below them.

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
- A link never acts on another organisation's rows: whatever it points at is checked against
  its organisation when it is issued.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.errors import Invalid, NotFound
from vigil.core.security import keyed_digest, new_token
from vigil.links.limits import SINGLE_USE
from vigil.links.models import LinkPurpose, SignedLink

#: How long a link lives unless the caller says otherwise. A check-in link lives as long as a
#: schedule reasonably runs; stopping the schedule revokes it sooner.
DEFAULT_TTL: dict[str, timedelta] = {
    LinkPurpose.acknowledge: timedelta(days=30),
    LinkPurpose.request_info: timedelta(days=30),
    LinkPurpose.respond: timedelta(days=30),
    LinkPurpose.unsubscribe: timedelta(days=365),
    LinkPurpose.check_in: timedelta(days=180),
    LinkPurpose.reply: timedelta(days=60),
    LinkPurpose.cosign: timedelta(days=60),
    LinkPurpose.dialogue_report: timedelta(days=90),
}
#: Purposes that act on one recipient of one alert.
ALERT_PURPOSES = frozenset({LinkPurpose.acknowledge, LinkPurpose.request_info, LinkPurpose.respond})
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")
INVALID_LINK = "This link is not valid: it may have expired or been withdrawn."
#: What a link may point at (its column), and the word for it in an error.
TARGETS = {
    "alert_id": "alert",
    "contact_id": "contact",
    "check_in_schedule_id": "schedule",
    "response_request_id": "request",
}


def _digest(settings: Settings, purpose: str, token: str) -> str:
    return keyed_digest(settings.secret, "signed-link", purpose, token)


def _check_targets(session: Session, organisation_id: int, targets: dict[str, int | None]) -> None:
    """Refuse a target that is missing or belongs to another organisation.

    The owner is read through the foreign key of ``signed_links`` (every table a link points
    at has an ``organisation_id``), not through the owners' models: alerts and check-ins use
    links, so links must not import them."""
    for column, row_id in targets.items():
        if row_id is None:
            continue
        (foreign_key,) = SignedLink.__table__.c[column].foreign_keys
        owner = foreign_key.column.table.c.organisation_id
        found = session.scalar(select(owner).where(foreign_key.column == row_id))
        if found is None or found != organisation_id:
            raise NotFound(f"No such {TARGETS[column]}.")


def issue_link(
    session: Session,
    settings: Settings,
    *,
    organisation_id: int,
    purpose: str,
    alert_id: int | None = None,
    contact_id: int | None = None,
    check_in_schedule_id: int | None = None,
    response_request_id: int | None = None,
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
    if purpose == LinkPurpose.reply and response_request_id is None:
        raise Invalid("A reply link needs a right-of-reply request.")
    targets = {
        "alert_id": alert_id,
        "contact_id": contact_id,
        "check_in_schedule_id": check_in_schedule_id,
        "response_request_id": response_request_id,
    }
    _check_targets(session, organisation_id, targets)
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
            response_request_id=response_request_id,
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
