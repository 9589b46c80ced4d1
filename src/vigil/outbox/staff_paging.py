"""Paging staff: one call that reaches a staff member on every paging channel they chose.

Callers (urgent reports, help calls, the "needs me now" inbox) page people, not addresses,
so that adding a channel (SMS, voice, Signal) changes this module only. Today every page is
an e-mail through the staff outbox (``outbox/staff_email.py``).

Never put a defender's name, a narrative, a place or a receipt in ``subject`` or ``body``:
pages leave the deployment in clear. Link to the staff page instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.accounts.models import User
from vigil.outbox.staff_email import queue_email


def page_users(
    session: Session, *, org_id: int, user_ids: Sequence[int], subject: str, body: str
) -> int:
    """Queue one page per channel of each active user in ``user_ids`` (duplicates once);
    returns how many messages were queued."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return 0
    users = session.scalars(
        select(User).where(User.id.in_(wanted), User.is_active.is_(True)).order_by(User.id)
    ).all()
    for user in users:
        queue_email(
            session, to_address=user.email, subject=subject, body=body, organisation_id=org_id
        )
    return len(users)
