"""How often a signed link may put words in front of the case team: a response link works
once, and requests for more information are limited per recipient and alert per day
(``VIGIL_LINK_INFO_REQUESTS_PER_DAY``). Both checks hold under concurrent requests: the first
is one conditional UPDATE, the second counts under a lock of the recipient's row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vigil.alerts.models import AlertRecipient, AlertResponse, LinkPurpose, SignedLink
from vigil.core.config import Settings
from vigil.core.errors import VigilError

#: Purposes whose link works once only.
SINGLE_USE = frozenset({LinkPurpose.respond})
INFO_REQUEST_WINDOW = timedelta(hours=24)


class LinkLimitReached(VigilError):
    """The recipient sent as many requests through this kind of link as a day allows."""


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
