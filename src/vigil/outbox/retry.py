"""When to try a failed outbox message again (alert deliveries and staff e-mail alike), how
long a worker may hold one, and what of its error may be kept.

Exponential backoff with *full jitter* (a random wait between zero and the ceiling, which
doubles with each attempt up to a cap): when a thousand messages fail together because the
mail server went down, their retries spread out instead of arriving together when it comes
back. Kept apart from the database so the rule is easy to read and test.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vigil.core.config import Settings

MAX_BACKOFF = timedelta(hours=6)
#: Stop sending a batch once this share of the claim has passed: the rest goes back to the
#: queue rather than risk another worker sending it too.
CLAIM_SAFETY = 0.8
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base: timedelta = timedelta(seconds=60)
    cap: timedelta = MAX_BACKOFF
    #: How long a worker holds a claimed message before another may send it.
    claim_for: timedelta = timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The one policy of the outbox: ``VIGIL_DELIVERY_MAX_ATTEMPTS``,
        ``VIGIL_DELIVERY_BACKOFF_SECONDS`` and ``VIGIL_DELIVERY_CLAIM_SECONDS`` govern alert
        deliveries and staff e-mail alike."""
        return cls(
            max_attempts=settings.delivery_max_attempts,
            base=timedelta(seconds=settings.delivery_backoff_seconds),
            cap=max(MAX_BACKOFF, timedelta(seconds=settings.delivery_backoff_seconds)),
            claim_for=timedelta(seconds=settings.delivery_claim_seconds),
        )

    def ceiling(self, attempts: int) -> timedelta:
        """The longest wait after the ``attempts``-th failure: base·2^(attempts−1), capped."""
        exponent = min(max(attempts - 1, 0), 32)
        return min(self.cap, self.base * (2**exponent))

    def delay(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """Full jitter: uniformly anywhere between now and the ceiling (AWS's finding: it
        spreads a burst of failures best, and the expected wait is half the ceiling)."""
        return self.ceiling(attempts) * (rng or random).random()


def scrub(text: str, address: str | None = None) -> str:
    """An error message fit for the timeline: no address, no URL (servers echo both)."""
    if address:
        text = text.replace(address, "recipient")
    text = _URL.sub("<url>", _EMAIL.sub("address", text))
    return " ".join(text.split())[:500]


def settle_failure(
    row: Any,
    *,
    now: datetime,
    error: str,
    permanent: bool,
    policy: RetryPolicy,
    counts: bool,
    rng: random.Random | None,
) -> None:
    """Record a failed attempt on an outbox ``row``: retry later, or give up (``permanent``,
    or the last attempt). ``counts=False`` (a channel not configured) waits one back-off
    period without using up an attempt. A row already sent or given up only loses its
    claim. ``error`` is already scrubbed."""
    row.claimed_until = None
    row.claimed_by = None
    row.last_error = error
    if row.sent_at is not None or row.failed_at is not None:
        return
    if not counts:
        row.next_attempt_at = now + policy.base
        return
    row.attempts += 1
    if permanent or row.attempts >= policy.max_attempts:
        row.failed_at = now
    else:
        row.next_attempt_at = now + policy.delay(row.attempts, rng)
