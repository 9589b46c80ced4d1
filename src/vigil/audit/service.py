"""Reading the audit log. Entries are scoped to the caller's organisation: an entry of another
organisation never appears, and an entry without an organisation (a failed sign-in, an
enrolment) appears only when its actor is a member of the caller's organisation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from vigil.accounts.models import Membership, User
from vigil.core.audit import AuditEvent, record_event

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class AuditEntry:
    event: AuditEvent
    actor_email: str | None

    @property
    def detail(self) -> dict[str, Any]:
        """The detail as a mapping; a row whose JSON was tampered with shows it raw."""
        try:
            value = json.loads(self.event.detail)
        except ValueError:
            return {"raw": self.event.detail}
        return value if isinstance(value, dict) else {"raw": self.event.detail}


@dataclass(frozen=True)
class AuditPage:
    """One page, newest first. There is no total: counting a log of millions of rows on
    every page view costs more than it tells, so the page only knows whether more follow."""

    items: list[AuditEntry]
    page: int
    per_page: int
    has_next: bool


def list_events(
    session: Session,
    *,
    org_id: int,
    action: str | None = None,
    actor_user_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
    viewer_user_id: int | None = None,
) -> AuditPage:
    """Entries from ``since`` (inclusive) to ``until`` (exclusive). ``action`` matches one
    action (``incident.viewed``) or a family (``signin`` matches ``signin.failed``…).

    With ``viewer_user_id`` the reading itself is recorded as ``audit.viewed``: who looks
    at who did what is part of the record too."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PAGE_SIZE)
    members = select(Membership.user_id).where(Membership.organisation_id == org_id)
    conditions = [
        or_(
            AuditEvent.organisation_id == org_id,
            and_(AuditEvent.organisation_id.is_(None), AuditEvent.actor_user_id.in_(members)),
        )
    ]
    if action:
        conditions.append(
            or_(
                AuditEvent.action == action,
                AuditEvent.action.startswith(action + ".", autoescape=True),
            )
        )
    if actor_user_id is not None:
        conditions.append(AuditEvent.actor_user_id == actor_user_id)
    if since is not None:
        conditions.append(AuditEvent.occurred_at >= since)
    if until is not None:
        conditions.append(AuditEvent.occurred_at < until)
    rows = session.execute(
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    items = [AuditEntry(event=event, actor_email=email) for event, email in rows[:per_page]]
    if viewer_user_id is not None:
        filters = {"action": action, "actor_user_id": actor_user_id, "page": page}
        filters |= {"since": since and since.isoformat(), "until": until and until.isoformat()}
        record_event(
            session,
            action="audit.viewed",
            organisation_id=org_id,
            actor_user_id=viewer_user_id,
            detail={key: value for key, value in filters.items() if value is not None},
        )
    return AuditPage(items=items, page=page, per_page=per_page, has_next=len(rows) > per_page)
