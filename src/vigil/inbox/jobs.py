"""Re-paging: an inbox item nobody acknowledges is paged again until someone does.

Every worker round, items whose ``next_page_at`` has come are looked at. An item of a kind
that is never re-paged (its setting is 0) is put aside; otherwise, once its kind's time
(``VIGIL_INBOX_PAGE_<KIND>_MINUTES``) has passed since it was raised or last paged:

- the first page goes to the analysts and coordinators on duty (everyone who works cases if
  nobody is: ``outbox.paging.responders``), who were told first and have not answered;
- every later one, each time the same time passes again, to them *and* every coordinator.

Several workers may run this at once: each page is claimed by a guarded UPDATE of
``pages_sent`` (only one transaction can move it on), rows are taken with SKIP LOCKED on
PostgreSQL, and an acknowledgement in between makes the claim fail.

Pages leave the deployment in clear: they name the kind of item and link to it, nothing else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vigil.access import Role
from vigil.accounts.models import Membership, User
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.inbox.models import KIND_LABELS, InboxItem
from vigil.outbox.paging import responders
from vigil.outbox.staff_paging import page_users


def page_after(settings: Settings, kind: str) -> timedelta | None:
    """How long an item of ``kind`` may wait unacknowledged; None: it is never re-paged."""
    minutes = getattr(settings, f"inbox_page_{kind}_minutes", 0)
    return timedelta(minutes=minutes) if minutes else None


def _coordinators(session: Session, *, org_id: int) -> list[int]:
    return list(
        session.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == org_id,
                Membership.role == Role.coordinator,
                User.is_active.is_(True),
                User.password_hash.is_not(None),
            )
            .order_by(User.id)
        )
    )


def who_is_paged(session: Session, *, org_id: int, page: int) -> list[int]:
    """The people on duty (or every responder when nobody is); from the second page on, the
    coordinators as well."""
    rows = responders(session, org_id=org_id)
    people = [user_id for user_id, _email, on_duty in rows if on_duty] or [r[0] for r in rows]
    if page >= 2:
        people += _coordinators(session, org_id=org_id)
    return list(dict.fromkeys(people))


def _message(settings: Settings, item: InboxItem) -> tuple[str, str]:
    base = settings.base_url.rstrip("/")
    label = KIND_LABELS.get(item.kind, item.kind)  # type: ignore[call-overload]
    subject = f"[Vigil] Not acknowledged: {label} (item #{item.id})"
    body = (
        f"{label}: nobody has acknowledged this since {item.created_at:%Y-%m-%d %H:%M} UTC "
        f"(page {item.pages_sent}).\n"
        f"Acknowledge it: {base}/staff/now#item-{item.id}\n"
        f"Open it: {base}{item.path}\n\n"
        "This message contains nothing about the case or the people in it."
    )
    return subject, body


def _page_if_due(session: Session, settings: Settings, item: InboxItem, now: datetime) -> bool:
    limit = page_after(settings, item.kind)
    if limit is None:
        item.next_page_at = None
        session.flush()
        return False
    due = (item.last_paged_at or item.created_at) + limit
    if due > now:
        item.next_page_at = due
        session.flush()
        return False
    claimed = session.execute(
        update(InboxItem)
        .where(
            InboxItem.id == item.id,
            InboxItem.acknowledged_at.is_(None),
            InboxItem.pages_sent == item.pages_sent,
        )
        .values(pages_sent=item.pages_sent + 1, last_paged_at=now, next_page_at=now + limit),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(item)  # the UPDATE bypassed the ORM
    if claimed != 1:
        return False  # acknowledged or paged by another worker meanwhile
    people = who_is_paged(session, org_id=item.organisation_id, page=item.pages_sent)
    subject, body = _message(settings, item)
    reached = page_users(
        session,
        org_id=item.organisation_id,
        user_ids=people,
        subject=subject,
        body=body,
        settings=settings,  # e-mail, and the SMS, voice or Signal each person chose
        link=f"{settings.base_url.rstrip('/')}/staff/now#item-{item.id}",
    )
    record_event(
        session,
        action="inbox.paged",
        organisation_id=item.organisation_id,
        object_type="inbox_item",
        object_id=item.id,
        detail={"page": item.pages_sent, "people": len(people), "queued": reached},
    )
    return True


def page_unacknowledged(session: Session, settings: Settings, *, now: datetime) -> int:
    """Page again for every unacknowledged item whose time has come; returns how many items
    were paged. Called by the worker every round: one indexed range query when nothing is
    due."""
    query = (
        select(InboxItem)
        .where(InboxItem.acknowledged_at.is_(None), InboxItem.next_page_at <= now)
        .order_by(InboxItem.next_page_at, InboxItem.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return sum(_page_if_due(session, settings, item, now) for item in session.scalars(query).all())
