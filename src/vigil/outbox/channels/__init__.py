"""How a delivery leaves Vigil: e-mail (SMTP) or a signed webhook (Standard Webhooks).

A channel object lives for one batch of the worker, so it can reuse its SMTP connection or
HTTP client for every message of the batch (a connection per message would cost a TCP and
TLS handshake each). ``send`` returns when the message was handed over and raises
:class:`DeliveryFailed` otherwise, saying whether retrying can help.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from vigil.core.db import utcnow

log = logging.getLogger("vigil.outbox.sender")


@dataclass(frozen=True)
class Outgoing:
    """One message in the worker's hands: the delivery's row plus its opened content."""

    delivery_id: int
    channel: str
    address: str
    language: str
    idempotency_key: str
    purpose: str
    urgency: int
    content: dict[str, Any] = field(repr=False)
    webhook_secret: str | None = field(default=None, repr=False)


class DeliveryFailed(Exception):
    """``permanent``: retrying cannot help (a refused recipient, a 404, a bad address).
    ``counts=False``: not this delivery's fault (e-mail not configured): wait without
    using up an attempt."""

    def __init__(self, reason: str, *, permanent: bool = False, counts: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.counts = counts


class Channel(Protocol):
    def send(self, outgoing: Outgoing, *, now: datetime) -> None: ...

    def close(self) -> None: ...


def send_one(channel: Channel, item: Outgoing, what: str) -> DeliveryFailed | None:
    """Send one message; its failure (None: sent). Any error is a failure to record, never
    an exception: a bug must not lose the message, which is retried later."""
    try:
        channel.send(item, now=utcnow())
    except DeliveryFailed as error:
        failure = error
    except Exception as error:
        log.exception("%s %s: unexpected error", what, item.delivery_id)
        failure = DeliveryFailed(f"internal error: {type(error).__name__}")
    else:
        return None
    log.warning("%s %s not sent: %s", what, item.delivery_id, failure.reason[:200])
    return failure
