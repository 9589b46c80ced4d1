"""``vigil worker``'s outbox sender: claim what is due, send it, record the outcomes. One
pass (:func:`send_due`) sends a batch of alert deliveries, then the staff e-mail that is due
(``outbox/staff_sender.py``: same claim, retry policy, SMTP channel and settings).

Transactions are kept short and apart from the network:
1. one transaction claims a batch (most urgent first) and opens the sealed contents;
2. the batch goes out over ``delivery_connections`` lanes, each one SMTP connection / one
   HTTP client for the whole batch, an urgency level finished before the next starts;
3. outcomes are recorded in small groups (``RECORD_EVERY`` messages or ``RECORD_AFTER``
   seconds, whichever comes first), each group in its own transaction.

So a worker killed with ``kill -9`` has recorded everything but its last groups (at most
:func:`unrecorded_at_most` messages): those are sent again when their claim expires
(``delivery_claim_seconds``). Every recipient still gets the alert, with at most one
duplicate per crash, carrying the same Message-ID / webhook-id as the first. A worker asked
to stop (``stop``, set on SIGTERM) finishes the messages in hand, records what it did and
gives the rest of its batch back at once.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from vigil.contacts.models import Contact
from vigil.core.config import Settings
from vigil.core.crypto import Vault, Withheld, keystore_for
from vigil.core.db import session_scope, utcnow
from vigil.outbox.channels import Channel, DeliveryFailed, Outgoing, send_one
from vigil.outbox.channels.email import EmailChannel
from vigil.outbox.channels.webhook import WebhookChannel
from vigil.outbox.claiming import default_worker_id
from vigil.outbox.models import Delivery
from vigil.outbox.page_sender import send_due_pages
from vigil.outbox.retry import CLAIM_SAFETY, RetryPolicy
from vigil.outbox.service import (
    DeliveryTimeline,
    claim_due,
    open_content,
    record_failure,
    record_sent,
    release,
)
from vigil.outbox.staff_sender import send_due_staff_emails

log = logging.getLogger("vigil.outbox.sender")
RECORD_EVERY = 25
RECORD_AFTER = 1.0  # seconds
ERASED = "content erased: the person concerned was forgotten"
CHANNEL_TYPES: dict[str, Callable[[Settings], Channel]] = {
    "email": EmailChannel,
    "webhook": WebhookChannel,
}


def unrecorded_at_most(settings: Settings) -> int:
    """How many messages a killed worker may have sent without recording it (so they are
    sent again): the group being written, the next group filling meanwhile, and one
    message in each lane's hands."""
    return 2 * RECORD_EVERY + 3 * settings.delivery_connections


def _relaxed(session: Session) -> None:
    """On PostgreSQL, do not wait for the claim's or the outcomes' commit to reach the disk.
    Safe for at-least-once: a database crash can only forget a claim or a "sent" mark, and
    either way the message is sent again, never lost. (Queueing, the caller's transaction,
    keeps full durability.)"""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _claim(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime,
    worker_id: str,
    batch: int,
    timeline: DeliveryTimeline,
) -> tuple[list[Outgoing], list[int]]:
    """Claim a batch and open it: the messages to send, and the ids whose content is gone."""
    with session_scope(factory) as session:
        _relaxed(session)
        deliveries = claim_due(
            session,
            now=now,
            worker_id=worker_id,
            limit=batch,
            claim_for=timedelta(seconds=settings.delivery_claim_seconds),
            timeline=timeline,
        )
        if not deliveries:
            return [], []
        vault = Vault(session=session, ring=keystore_for(settings).current())
        secrets = _webhook_secrets(session, vault, deliveries)
        outgoing: list[Outgoing] = []
        erased: list[int] = []
        for d in deliveries:
            try:
                content = open_content(vault, d)
            except Withheld:
                erased.append(d.id)
                continue
            outgoing.append(
                Outgoing(
                    delivery_id=d.id,
                    channel=d.channel,
                    address=d.address,
                    language=d.language,
                    idempotency_key=d.idempotency_key,
                    purpose=d.purpose,
                    urgency=d.urgency,
                    content=content,
                    webhook_secret=secrets.get(d.contact_id),
                )
            )
        return outgoing, erased


def _webhook_secrets(
    session: Session, vault: Vault, deliveries: list[Delivery]
) -> dict[int | None, str | None]:
    """The opened signing secrets of the batch's webhook contacts (contact id → secret); a
    contact whose secret cannot be opened is left out (its delivery fails: no secret)."""
    hook_contacts = {d.contact_id for d in deliveries if d.channel == "webhook"}
    if not hook_contacts:
        return {}
    rows = session.execute(
        select(Contact.id, Contact.data_key_id, Contact.webhook_secret_sealed).where(
            Contact.id.in_(hook_contacts)
        )
    )
    secrets: dict[int | None, str | None] = {}
    for contact_id, key_id, sealed in rows:
        try:
            secrets[contact_id] = vault.open(key_id, sealed)
        except Withheld:
            continue
    return secrets


class _Recorder:
    """Buffers outcomes and writes them in small transactions, one writer at a time (the
    lanes add from several threads)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        policy: RetryPolicy,
        clock: Callable[[], datetime],
        rng: random.Random | None,
        timeline: DeliveryTimeline,
    ) -> None:
        self.factory, self.policy, self.clock, self.rng = factory, policy, clock, rng
        self.timeline = timeline
        self.sent: list[int] = []
        self.failed: list[tuple[int, DeliveryFailed]] = []
        self.last = time.monotonic()
        self._buffer = threading.Lock()
        self._writer = threading.Lock()

    def add(self, delivery_id: int, failure: DeliveryFailed | None) -> None:
        with self._buffer:
            if failure is None:
                self.sent.append(delivery_id)
            else:
                self.failed.append((delivery_id, failure))
            pending = len(self.sent) + len(self.failed)
            due = pending >= RECORD_EVERY or time.monotonic() - self.last >= RECORD_AFTER
        if due:
            self.flush()

    def flush(self) -> None:
        with self._writer:
            with self._buffer:
                sent, failed = self.sent, self.failed
                self.sent, self.failed = [], []
                self.last = time.monotonic()
            if not sent and not failed:
                return
            now = self.clock()
            with session_scope(self.factory) as session:
                _relaxed(session)
                record_sent(session, delivery_ids=sent, now=now, timeline=self.timeline)
                for delivery_id, failure in failed:
                    record_failure(
                        session,
                        delivery_id=delivery_id,
                        now=now,
                        error=failure.reason,
                        permanent=failure.permanent,
                        counts=failure.counts,
                        policy=self.policy,
                        rng=self.rng,
                        timeline=self.timeline,
                    )


class _Lane:
    """One connection's worth of sending: its own channels, in its own thread."""

    def __init__(self, settings: Settings, recorder: _Recorder, should_stop: Callable[[], bool]):
        self.settings, self.recorder, self.should_stop = settings, recorder, should_stop
        self.channels: dict[str, Channel] = {}
        self.done: list[int] = []

    def run(self, items: list[Outgoing]) -> None:
        for item in items:
            if self.should_stop():
                return
            if item.channel not in self.channels:
                self.channels[item.channel] = CHANNEL_TYPES[item.channel](self.settings)
            failure = send_one(self.channels[item.channel], item, "delivery")
            self.recorder.add(item.delivery_id, failure)
            self.done.append(item.delivery_id)

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()


def _by_urgency(items: list[Outgoing]) -> list[list[Outgoing]]:
    groups: dict[int, list[Outgoing]] = {}
    for item in items:
        groups.setdefault(item.urgency, []).append(item)
    return [groups[urgency] for urgency in sorted(groups)]


def send_due_deliveries(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    worker_id: str | None = None,
    batch: int = 100,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
    timeline: DeliveryTimeline,
) -> int:
    """Send one batch of due deliveries; returns how many were claimed (0: nothing due).
    ``timeline`` (``alerts.delivery_timeline.ALERT_TIMELINE``) hears every outcome.

    The batch goes out over ``delivery_connections`` parallel lanes (SMTP connections, HTTP
    clients): a lane waiting for the server's answer no longer holds the others up. An
    urgency level is finished before the next one starts, so the most urgent still go
    first. ``now`` fixes the scheduling clock (tests); messages always carry the real time,
    since webhook receivers check it against theirs."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    worker_id = worker_id or default_worker_id(settings)
    outgoing, erased = _claim(
        factory, settings, now=clock(), worker_id=worker_id, batch=batch, timeline=timeline
    )
    recorder = _Recorder(factory, RetryPolicy.from_settings(settings), clock, rng, timeline)
    for delivery_id in erased:
        recorder.add(delivery_id, DeliveryFailed(ERASED, permanent=True))
    deadline = time.monotonic() + settings.delivery_claim_seconds * CLAIM_SAFETY

    def should_stop() -> bool:
        return (stop is not None and stop.is_set()) or time.monotonic() > deadline

    width = max(1, min(settings.delivery_connections, len(outgoing)))
    lanes = [_Lane(settings, recorder, should_stop) for _ in range(width)]
    try:
        with ThreadPoolExecutor(max_workers=width, thread_name_prefix="vigil-lane") as pool:
            for group in _by_urgency(outgoing):
                if should_stop():
                    break
                if width == 1 or len(group) == 1:
                    lanes[0].run(group)  # no thread needed
                    continue
                shares = [group[i :: len(lanes)] for i in range(len(lanes))]
                running = [
                    pool.submit(lane.run, share) for lane, share in zip(lanes, shares, strict=True)
                ]
                for future in running:
                    future.result()
    finally:
        for lane in lanes:
            lane.close()
        recorder.flush()
        done = {delivery_id for lane in lanes for delivery_id in lane.done}
        unsent = [item.delivery_id for item in outgoing if item.delivery_id not in done]
        if unsent:
            with session_scope(factory) as session:
                release(session, delivery_ids=unsent)
    return len(outgoing) + len(erased)


def send_due(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: datetime | None = None,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
    timeline: DeliveryTimeline,
) -> int:
    """The worker's one outbox pass: a batch of alert deliveries (most urgent first), then
    the staff e-mail that is due, then the staff SMS, voice and Signal pages
    (``outbox/page_sender.py``). Returns how many messages were claimed (0: nothing due)."""
    worker_id = worker_id or default_worker_id(settings)
    count = send_due_deliveries(
        factory, settings, now=now, worker_id=worker_id, stop=stop, rng=rng, timeline=timeline
    )
    if stop is not None and stop.is_set():
        return count
    count += send_due_staff_emails(
        factory, settings, now=now, worker_id=worker_id, stop=stop, rng=rng
    )
    if stop is not None and stop.is_set():
        return count
    return count + send_due_pages(
        factory, settings, now=now, worker_id=worker_id, stop=stop, rng=rng
    )
