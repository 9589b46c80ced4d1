"""Single-use links: a link that puts words in front of the case team (a response) works once,
and the check holds under concurrent requests (one conditional UPDATE). The daily limit on
requests for more information is the alert's (``alerts/recipient_actions.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from vigil.links.models import LinkPurpose, SignedLink

#: Purposes whose link works once only.
SINGLE_USE = frozenset({LinkPurpose.respond})


def take_single_use(session: Session, link: SignedLink, *, now: datetime) -> bool:
    """Count the use of a single-use link in one conditional UPDATE, so that of two requests
    at once exactly one gets it (True); the other is refused as if the link did not exist."""
    taken = session.execute(
        update(SignedLink)
        .where(SignedLink.id == link.id, SignedLink.uses == 0)
        .values(uses=SignedLink.uses + 1, last_used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(link, ["uses", "last_used_at"])
    return bool(taken)
