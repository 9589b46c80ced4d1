"""How a delivery leaves Vigil: e-mail (SMTP) or a signed webhook (Standard Webhooks).

A channel object lives for one batch of the worker, so it can reuse its SMTP connection or
HTTP client for every message of the batch (a connection per message would cost a TCP and
TLS handshake each). ``send`` returns when the message was handed over and raises
:class:`DeliveryFailed` otherwise, saying whether retrying can help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


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
