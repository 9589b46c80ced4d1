"""Receipt codes: the reporter's only key to their report, and the one check of a typed receipt.

16 random digits (10^16 possibilities) from ``secrets``; stored only as a slow hash (Argon2id)
with a deployment-wide salt derived from the blind-index key, so a report can be found by its
receipt without storing the receipt, and an offline guess against a stolen database costs an
Argon2 run per guess (and needs the key files too).

Every page that takes a typed receipt (report follow-up, ``/check-in``) calls
:func:`check_receipt` and nothing else, so one budget and one set of rules cover them all. The
old guard paused every receipt check once a client, or everybody together, had made too many
wrong guesses: 500 wrong receipts from 50 addresses (or 10 from one Tor exit) kept every
reporter from their report, and every defender from "I need help now", for 15 minutes. The
rules now:

- **Every receipt is verified, and verification is the cost.** The Argon2id digest is
  computed before the database is touched (no lock is held meanwhile), so each guess costs the
  guesser a full Argon2 run on the server whatever the limits say; with 10^16 receipts and at
  most some hundred Argon2 runs a second per server, guessing *any* receipt blindly is
  hopeless, and it is the server's CPU, not a counter an attacker can fill, that bounds it.
- **Wrong receipts are counted per receipt prefix** (its first :data:`PREFIX_DIGITS` digits,
  as a keyed hash per window), whichever page they were typed on. What a limit must stop is
  someone who already knows part of a receipt (a photo of half the slip) trying the rest: they
  stay within one prefix, and after ``VIGIL_RECEIPT_MAX_FAILURES_PER_PREFIX`` wrong answers in
  a window that prefix's answers are withheld (at 10 per 15 minutes, trying the remaining
  10^10 receipts takes some 30,000 years). Blind guessing spreads over 10^6 prefixes and cannot
  fill them: one prefix's limit reached by chance needs about 10^7 guesses per window, far
  beyond what Argon2 lets through. No per-client or global limit exists, so a proxy or a Tor
  exit shared with attackers never stands between a defender and their report.
- **Over its prefix limit** the answer is :attr:`Answer.REFUSED` (the report page and "I am
  safe": answering truthfully would let the guessing go on; a false "safe" would silence an
  overdue alarm), and the report is withheld from the caller too. A *help call* ("I need help
  now") gets :attr:`Answer.UNCONFIRMED` instead: with the right receipt the report is handed
  over so the alarm is raised, and the page must answer the same whether it was right or not,
  so the guesser learns nothing.
- The count is taken *before* the answer is known, atomically (``core.throttle``), and given
  back when the receipt is right: concurrent guesses cannot slip past the limit, and the
  reporter's own visits never use it up.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2.low_level import Type, hash_secret_raw
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.throttle import Budget, give_back, take_attempt, throttle_key, window_start
from vigil.intake.models import Report

RECEIPT_DIGITS = 16
RECEIPT_WINDOW = timedelta(minutes=15)
#: 10^6 prefixes: too many for blind guessing to fill, while a known prefix leaves 10^10
#: receipts to try. Two reports share a prefix rarely (one pair expected among some 1,400 reports).
PREFIX_DIGITS = 6


def new_receipt() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """Groups of four, easier to copy onto paper: 1234 5678 9012 3456."""
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def normalise_receipt(text: str) -> str | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits if len(digits) == RECEIPT_DIGITS else None


def receipt_digest(index_key: bytes, receipt: str) -> str:
    salt = hashlib.blake2b(b"vigil-receipt-salt", key=index_key, digest_size=16).digest()
    raw = hash_secret_raw(
        secret=receipt.encode(),
        salt=salt,
        time_cost=2,
        memory_cost=19 * 1024,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )
    return raw.hex()


class Answer(StrEnum):
    """What the page may say about a typed receipt (see the module docstring)."""

    #: The right receipt, within the limit: show and act on ``report``.
    RIGHT = "right"
    #: No report has this receipt (or the text is not 16 digits): say so.
    WRONG = "wrong"
    #: The prefix is over its limit: refuse, saying nothing about right or wrong.
    REFUSED = "refused"
    #: Over the limit, but a help call: raise help on ``report`` if there is one, and answer
    #: the same either way.
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class ReceiptCheck:
    """The outcome of one typed receipt. ``report`` is set only when the caller may act on it
    (:attr:`Answer.RIGHT`, or :attr:`Answer.UNCONFIRMED` with the right receipt), so a
    refused answer cannot leak it; ``receipt`` is the normalised digits, or None."""

    answer: Answer
    receipt: str | None
    report: Report | None


def check_receipt(
    session: Session,
    *,
    vault: Vault,
    settings: Settings,
    typed: str,
    now: datetime,
    help_call: bool = False,
) -> ReceiptCheck:
    """Verify a typed receipt, count it against its prefix and decide what may be answered
    (see the module docstring). ``help_call`` is True only for "I need help now", the one
    request a right receipt gets through even over the limit.

    Text that is not 16 digits is not a guess at any receipt (a typo), so it costs no Argon2
    run and is not counted."""
    receipt = normalise_receipt(typed)
    if receipt is None:
        return ReceiptCheck(Answer.WRONG, None, None)
    within, report = _verify_and_count(session, vault, settings, receipt, now)
    if within:
        return ReceiptCheck(Answer.RIGHT if report else Answer.WRONG, receipt, report)
    if help_call:
        return ReceiptCheck(Answer.UNCONFIRMED, receipt, report)
    return ReceiptCheck(Answer.REFUSED, receipt, None)


def _verify_and_count(
    session: Session, vault: Vault, settings: Settings, receipt: str, now: datetime
) -> tuple[bool, Report | None]:
    """Whether the receipt's prefix is within its limit (this guess counted), and its report.
    The digest comes first, before any lock is taken; a right receipt's count is given back."""
    digest = receipt_digest(vault.ring.index_key, receipt)
    start = window_start(now, RECEIPT_WINDOW)
    prefix = throttle_key(settings.secret, start, "receipt-prefix", receipt[:PREFIX_DIGITS])
    budget = Budget(prefix, settings.receipt_max_failures_per_prefix)
    within = take_attempt(session, budgets=[budget], start=start)
    report = session.scalar(select(Report).where(Report.receipt_digest == digest))
    if report is not None and within:
        give_back(session, keys=[prefix], start=start)
    return within, report
