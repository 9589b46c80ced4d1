"""Sending SMS, voice and Signal pages, the last part of the worker's outbox pass
(``outbox/sender.py`` :func:`send_due`), built like ``staff_sender.py``: claimed, sent over
one client per channel, each outcome recorded in its own transaction (a killed worker
re-sends at most one page), the rest given back when stopping.

Numbers are opened from the staff member's sealed choice at claim time and live only in
memory: a page whose channel was since turned off, or whose number was removed, is given up
(there is no one to send it to)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from vigil.core.config import Settings
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import session_scope, utcnow
from vigil.outbox.channels import Channel, DeliveryFailed, Outgoing, send_one
from vigil.outbox.channels.signal import SignalChannel
from vigil.outbox.channels.sms import TwilioChannel
from vigil.outbox.claiming import default_worker_id
from vigil.outbox.paging_choices import page_address
from vigil.outbox.retry import CLAIM_SAFETY, RetryPolicy
from vigil.outbox.staff_page_models import OutboundPage
from vigil.outbox.staff_pages import (
    PAGE_BATCH,
    claim_due_pages,
    record_page_failure,
    record_page_sent,
    release_pages,
)

NO_NUMBER = "no number: the staff member turned this channel off or removed the number"
CHANNEL_TYPES: dict[str, Callable[[Settings], Channel]] = {
    "sms": TwilioChannel,
    "voice": TwilioChannel,
    "signal": SignalChannel,
}


def _outgoing(page: OutboundPage, address: str) -> Outgoing:
    return Outgoing(
        delivery_id=page.id,
        channel=page.channel,
        address=address,
        language="en",
        idempotency_key=f"vigil-page-{page.id}",
        purpose="staff",
        urgency=0,
        content={"text": page.text},
    )


def _claim(
    factory: sessionmaker[Session], settings: Settings, *, now: datetime, worker_id: str
) -> tuple[list[Outgoing], list[int]]:
    """The claimed pages with their numbers opened, and the ids that have no number."""
    policy = RetryPolicy.from_settings(settings)
    with session_scope(factory) as session:
        pages = claim_due_pages(
            session, now=now, worker_id=worker_id, claim_for=policy.claim_for, limit=PAGE_BATCH
        )
        if not pages:
            return [], []
        vault = Vault(session=session, ring=keystore_for(settings).current())
        ready: list[Outgoing] = []
        lost: list[int] = []
        for page in pages:
            address = page_address(session, vault, user_id=page.user_id, channel=page.channel)
            if address:
                ready.append(_outgoing(page, address))
            else:
                lost.append(page.id)
        return ready, lost


def _record(
    factory: sessionmaker[Session],
    page_id: int,
    failure: DeliveryFailed | None,
    *,
    policy: RetryPolicy,
    now: datetime,
    rng: random.Random | None,
) -> None:
    with session_scope(factory) as session:
        if failure is None:
            record_page_sent(session, page_id=page_id, now=now)
            return
        record_page_failure(
            session,
            page_id=page_id,
            now=now,
            error=failure.reason,
            permanent=failure.permanent,
            counts=failure.counts,
            policy=policy,
            rng=rng,
        )


def send_due_pages(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> int:
    """Claim the pages due and send them; returns how many were claimed."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    policy = RetryPolicy.from_settings(settings)
    ready, lost = _claim(
        factory, settings, now=clock(), worker_id=worker_id or default_worker_id(settings)
    )
    for page_id in lost:
        failure = DeliveryFailed(NO_NUMBER, permanent=True)
        _record(factory, page_id, failure, policy=policy, now=clock(), rng=rng)
    if not ready:
        return len(lost)
    deadline = time.monotonic() + policy.claim_for.total_seconds() * CLAIM_SAFETY
    channels: dict[str, Channel] = {}
    done: list[int] = []
    try:
        for item in ready:
            if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                break
            if item.channel not in channels:
                channels[item.channel] = CHANNEL_TYPES[item.channel](settings)
            failure = send_one(channels[item.channel], item, f"{item.channel} page")
            _record(factory, item.delivery_id, failure, policy=policy, now=clock(), rng=rng)
            done.append(item.delivery_id)
    finally:
        for channel in channels.values():
            channel.close()
        unsent = [item.delivery_id for item in ready if item.delivery_id not in done]
        if unsent:
            with session_scope(factory) as session:
                release_pages(session, page_ids=unsent)
    return len(ready) + len(lost)
