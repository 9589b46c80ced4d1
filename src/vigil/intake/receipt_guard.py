"""Checking a receipt typed by someone who may be guessing, without ever locking out the
person it belongs to.

The old guard paused every receipt check once a client, or everybody together, had made too
many wrong guesses: 500 wrong receipts from 50 addresses (or 10 from one Tor exit) kept every
reporter from their report, and every defender from "I need help now", for 15 minutes. The
rules now:

- **Every receipt is verified, and verification is the cost.** The Argon2id digest is
  computed before the database is touched (no lock is held meanwhile), so each guess costs the
  guesser a full Argon2 run on the server whatever the limits say; with 10^16 receipts and at
  most some hundred Argon2 runs a second per server, guessing *any* receipt blindly is
  hopeless, and it is the server's CPU, not a counter an attacker can fill, that bounds it.
- **Wrong receipts are counted per receipt prefix** (its first :data:`PREFIX_DIGITS` digits,
  as a keyed hash per window). What a limit must stop is someone who already knows part of a
  receipt (a photo of half the slip) trying the rest: they stay within one prefix, and after
  ``VIGIL_RECEIPT_MAX_FAILURES_PER_PREFIX`` wrong answers in a window that prefix's answers
  are withheld (at 10 per 15 minutes, trying the remaining 10^10 receipts takes some 30,000 years).
  Blind guessing spreads over 10^6 prefixes and cannot fill them: one prefix's limit reached
  by chance needs about 10^7 guesses per window, far beyond what Argon2 lets through. No
  per-client or global limit exists, so a proxy or a Tor exit shared with attackers never
  stands between a defender and their report.
- **Over its prefix limit**, the report page and "I am safe" are refused for that prefix
  (answering truthfully would let the guessing go on; a false "safe" would silence an overdue
  alarm). "I need help now" is still checked and, with the right receipt, raised; the page
  then answers the same whether the receipt was right or not, so the guesser learns nothing.
- The count is taken *before* the answer is known, atomically (``core.throttle``), and given
  back when the receipt is right: concurrent guesses cannot slip past the limit, and the
  reporter's own visits never use it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault
from vigil.core.throttle import Budget, give_back, take_attempt, throttle_key, window_start
from vigil.intake.models import Report
from vigil.intake.receipts import normalise_receipt, receipt_digest

RECEIPT_WINDOW = timedelta(minutes=15)
#: 10^6 prefixes: too many for blind guessing to fill, while a known prefix leaves 10^10
#: receipts to try. Two reports share a prefix rarely (one pair expected among some 1,400 reports).
PREFIX_DIGITS = 6


@dataclass(frozen=True)
class ReceiptCheck:
    """The outcome of one typed receipt.

    ``report`` is the report when the receipt is right (even over the limit: a help check-in
    still needs it). ``within_limit`` is False when the receipt's prefix has had too many
    wrong guesses in this window: the caller must then not tell right from wrong."""

    receipt: str | None
    report: Report | None
    within_limit: bool


def check_receipt(
    session: Session, *, vault: Vault, secret: bytes, limit: int, typed: str, now: datetime
) -> ReceiptCheck:
    """Verify a typed receipt and count it against its prefix (see the module docstring).

    Text that is not 16 digits is not a guess at any receipt (a typo), so it costs no Argon2
    run and is not counted."""
    receipt = normalise_receipt(typed)
    if receipt is None:
        return ReceiptCheck(receipt=None, report=None, within_limit=True)
    digest = receipt_digest(vault.ring.index_key, receipt)  # before any lock is taken
    start = window_start(now, RECEIPT_WINDOW)
    prefix = throttle_key(secret, start, "receipt-prefix", receipt[:PREFIX_DIGITS])
    within = take_attempt(session, budgets=[Budget(prefix, limit)], start=start)
    report = session.scalar(select(Report).where(Report.receipt_digest == digest))
    if report is not None and within:
        give_back(session, keys=[prefix], start=start)
    return ReceiptCheck(receipt=receipt, report=report, within_limit=within)
