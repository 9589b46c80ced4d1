"""SMS, voice and Signal pages to staff in the outbox: queued only on the channels a staff
member chose *and* the deployment configured (an unconfigured channel queues nothing), then
claimed, retried and given up by the rules of staff e-mail (``outbox/staff_email.py``): the
claim of ``outbox/claiming.py``, the ``RetryPolicy`` of the ``VIGIL_DELIVERY_*`` settings,
and no attempt used up while a channel is not configured.

A page's text is short and safe in clear: the subject and one link to the staff page,
never anything about a defender (SMS and Signal leave the deployment like e-mail does).
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.errors import NotFound
from vigil.outbox.claiming import claim_rows, mark_sent, release_rows
from vigil.outbox.retry import RetryPolicy, scrub, settle_failure
from vigil.outbox.staff_page_models import PAGE_CHANNELS, OutboundPage, PagingChoice

PAGE_BATCH = 50
#: One SMS segment holds 160 GSM characters; the link needs its share.
SUBJECT_MAX_CHARS = 100
_LINK = re.compile(r"https?://\S+")


def configured_channels(settings: Settings) -> tuple[str, ...]:
    """The paging channels this deployment can send on."""
    sms = ("sms", "voice") if settings.sms_configured else ()
    return sms + (("signal",) if settings.signal_configured else ())


def page_text(subject: str, body: str, link: str | None = None) -> str:
    """Subject and link only: ``link``, or else the first link in ``body``; the rest of the
    body never goes out on these channels."""
    link = link or next(iter(_LINK.findall(body)), "")
    subject = " ".join(subject.split())
    if len(subject) > SUBJECT_MAX_CHARS:
        subject = subject[: SUBJECT_MAX_CHARS - 1] + "…"
    return f"{subject} {link}".strip()


def queue_pages(
    session: Session,
    settings: Settings,
    *,
    org_id: int | None,
    user_ids: Sequence[int],
    text: str,
) -> list[OutboundPage]:
    """One page per configured channel each user chose, in user then channel order."""
    channels = configured_channels(settings)
    if not channels or not user_ids:
        return []
    choices = session.scalars(
        select(PagingChoice).where(PagingChoice.user_id.in_(list(user_ids)))
    ).all()
    chosen = {c.user_id: c for c in choices}
    pages = [
        OutboundPage(organisation_id=org_id, user_id=user_id, channel=channel, text=text)
        for user_id in user_ids
        if user_id in chosen
        for channel in PAGE_CHANNELS
        if channel in channels and getattr(chosen[user_id], channel)
    ]
    session.add_all(pages)
    session.flush()
    return pages


def claim_due_pages(
    session: Session,
    *,
    now: datetime,
    worker_id: str,
    claim_for: timedelta,
    limit: int = PAGE_BATCH,
) -> list[OutboundPage]:
    """Claim up to ``limit`` due pages for ``claim_for``, oldest due first."""
    claimed = claim_rows(
        session,
        OutboundPage,
        due=(
            OutboundPage.sent_at.is_(None),
            OutboundPage.failed_at.is_(None),
            OutboundPage.next_attempt_at <= now,
        ),
        order_by=(OutboundPage.next_attempt_at, OutboundPage.id),
        now=now,
        worker_id=worker_id,
        claim_for=claim_for,
        limit=limit,
    )
    return sorted(claimed, key=lambda p: (p.next_attempt_at, p.id))


def release_pages(session: Session, *, page_ids: Collection[int]) -> None:
    """Give unsent claimed pages back at once (a worker stopping cleanly)."""
    release_rows(session, OutboundPage, ids=page_ids, still=OutboundPage.sent_at.is_(None))


def record_page_sent(session: Session, *, page_id: int, now: datetime) -> None:
    """The provider accepted the page."""
    mark_sent(session, OutboundPage, row_id=page_id, now=now)


def record_page_failure(
    session: Session,
    *,
    page_id: int,
    now: datetime,
    error: str,
    permanent: bool,
    policy: RetryPolicy,
    counts: bool = True,
    rng: random.Random | None = None,
) -> OutboundPage:
    """Retry later or give up, by the rule of ``staff_email.record_email_failure``."""
    page = session.get(OutboundPage, page_id)
    if page is None:
        raise NotFound("No such page.")
    settle_failure(
        page,
        now=now,
        error=scrub(error),
        permanent=permanent,
        policy=policy,
        counts=counts,
        rng=rng,
    )
    session.flush()
    return page
