"""Paging staff: one call that reaches a staff member on every paging channel they chose.

Callers (urgent reports, help calls, the "needs me now" inbox) page people, not addresses,
so that adding a channel changes this module only. Every page is an e-mail through the staff
outbox (``outbox/staff_email.py``); given the settings, each person is also paged by SMS, voice
call and Signal as they chose on ``/staff/account/paging`` and as the deployment configured
(``outbox/staff_pages.py``), with the subject and the link only.

Never put a defender's name, a narrative, a place or a receipt in ``subject`` or ``body``:
pages leave the deployment in clear. Link to the staff page instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.accounts.models import User
from vigil.core.config import Settings
from vigil.outbox.staff_email import queue_email
from vigil.outbox.staff_pages import page_text, queue_pages


def page_users(
    session: Session,
    *,
    org_id: int,
    user_ids: Sequence[int],
    subject: str,
    body: str,
    settings: Settings | None = None,
    link: str | None = None,
) -> int:
    """Queue one page per channel of each active user in ``user_ids`` (duplicates once);
    returns how many people were paged. Without ``settings`` e-mail only; SMS, voice and
    Signal carry ``subject`` and ``link`` (default: the first link in ``body``)."""
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
    if settings is not None:
        queue_pages(
            session,
            settings,
            org_id=org_id,
            user_ids=[user.id for user in users],
            text=page_text(subject, body, link),
        )
    return len(users)
