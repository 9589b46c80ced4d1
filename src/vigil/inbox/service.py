"""Raising, listing and acknowledging inbox items.

Producers (intake, check-ins, alerts, casework) call :func:`raise_item` where the thing
happens, inside their own transaction: an item exists exactly when the thing does. A second
call with the same ``source_key`` changes nothing, so a reload, a retried job or a second
worker never raises it twice. Acknowledging is an explicit act of one member of staff (who
and when are kept and audited), and it stops the re-paging.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.accounts.models import User
from vigil.core.audit import record_event
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import gettext
from vigil.inbox.models import KIND_LABELS, URGENT_KINDS, InboxItem, InboxKind

#: Acknowledged items stay on the page this long, so the team sees who took what.
RECENTLY = timedelta(hours=24)


def kind_label(kind: str) -> str:
    message = KIND_LABELS.get(kind)  # type: ignore[call-overload]
    return gettext(message) if message else kind


def raise_item(
    session: Session,
    *,
    org_id: int,
    kind: InboxKind | str,
    object_type: str,
    object_id: int,
    path: str,
    source_key: str,
    urgent: bool = False,
    once_while_open: bool = False,
    now: datetime | None = None,
) -> InboxItem | None:
    """Open an item, once per ``source_key``; returns None when it was raised before.
    ``once_while_open``: not while an item of this kind about the same object is still
    unacknowledged (five messages in a row from one reporter are one thing to look at).

    The worker looks at a new item at once (``next_page_at`` is its creation time) and
    schedules its re-paging from the per-kind settings, so producers need no settings."""
    if kind not in InboxKind.__members__:
        raise Invalid(f"Unknown inbox item kind: {kind}.")
    if not path.startswith("/staff/"):
        raise Invalid("An inbox item points at a staff page.")
    if session.scalar(select(InboxItem.id).where(InboxItem.source_key == source_key)):
        return None
    if once_while_open and _still_open(session, org_id, str(kind), object_type, object_id):
        return None
    now = now or utcnow()
    item = InboxItem(
        organisation_id=org_id,
        kind=str(kind),
        object_type=object_type,
        object_id=object_id,
        path=path,
        urgent=urgent or kind in URGENT_KINDS,
        source_key=source_key,
        created_at=now,
        next_page_at=now,
    )
    try:
        with session.begin_nested():  # another transaction raised it at the same moment
            session.add(item)
            session.flush()
    except IntegrityError:
        return None
    return item


def _still_open(session: Session, org_id: int, kind: str, object_type: str, object_id: int) -> bool:
    return (
        session.scalar(
            select(InboxItem.id).where(
                *_open(org_id),
                InboxItem.kind == kind,
                InboxItem.object_type == object_type,
                InboxItem.object_id == object_id,
            )
        )
        is not None
    )


def _open(org_id: int):  # type: ignore[no-untyped-def]
    return (InboxItem.organisation_id == org_id, InboxItem.acknowledged_at.is_(None))


def urgent_item_waits(
    session: Session, *, org_id: int, about: Sequence[tuple[str, Select[Any] | list[int]]]
) -> bool:
    """Whether an urgent item nobody acknowledged points at one of the objects ``about``
    names: (object type, ids or a query of ids) pairs. Safe closing asks it of a case, its
    reports and its alerts."""
    pointing = or_(
        *(and_(InboxItem.object_type == kind, InboxItem.object_id.in_(ids)) for kind, ids in about)
    )
    waiting = session.scalar(
        select(InboxItem.id).where(*_open(org_id), InboxItem.urgent.is_(True), pointing).limit(1)
    )
    return waiting is not None


def count_open_items(session: Session, *, org_id: int) -> int:
    """The navigation's badge: one COUNT on the ``ix_inbox_items_open`` index."""
    return session.scalar(select(func.count(InboxItem.id)).where(*_open(org_id))) or 0


def list_open_items(session: Session, *, org_id: int, limit: int = 200) -> list[InboxItem]:
    """Urgent items first, then the newest."""
    return list(
        session.scalars(
            select(InboxItem)
            .where(*_open(org_id))
            .order_by(InboxItem.urgent.desc(), InboxItem.created_at.desc(), InboxItem.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Acknowledged:
    item: InboxItem
    by: str  # the display name of who acknowledged it


def list_recently_acknowledged(
    session: Session, *, org_id: int, now: datetime, limit: int = 50
) -> list[Acknowledged]:
    """Items acknowledged in the last 24 hours, newest acknowledgement first, with who did it."""
    rows = session.execute(
        select(InboxItem, User.display_name)
        .outerjoin(User, User.id == InboxItem.acknowledged_by_id)
        .where(
            InboxItem.organisation_id == org_id,
            InboxItem.acknowledged_at.is_not(None),
            InboxItem.acknowledged_at > now - RECENTLY,
        )
        .order_by(InboxItem.acknowledged_at.desc(), InboxItem.id.desc())
        .limit(limit)
    ).all()
    return [Acknowledged(item, name or "") for item, name in rows]


def acknowledge_item(
    session: Session, *, org_id: int, item_id: int, user_id: int, now: datetime
) -> InboxItem:
    """Record that ``user_id`` has seen the item and takes it; re-paging stops. Another
    organisation's item is not found. A second acknowledgement keeps the first one (two
    people pressing at once: the first is who took it)."""
    item = load_in_org(session, InboxItem, item_id, org_id=org_id, missing="No such item.")
    taken = session.execute(
        update(InboxItem)
        .where(InboxItem.id == item.id, InboxItem.acknowledged_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=user_id, next_page_at=None),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(item)  # the UPDATE bypassed the ORM
    if taken != 1:
        return item
    record_event(
        session,
        action="inbox.acknowledged",
        organisation_id=org_id,
        actor_user_id=user_id,
        object_type="inbox_item",
        object_id=item.id,
        detail={"kind": item.kind, "on": f"{item.object_type}:{item.object_id}"},
    )
    return item
