"""Reports with known receipts, and blind guessing, for the receipt-check tests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.intake.models import Report
from vigil.intake.receipts import (
    PREFIX_DIGITS,
    Answer,
    check_receipt,
    new_receipt,
    receipt_digest,
)


def add_report(session: Session, vault: Vault, org, receipt=None, incident=None) -> str:  # type: ignore[no-untyped-def]
    """A report whose receipt is known to the test (digest as the check computes it)."""
    receipt = receipt or new_receipt()
    key = vault.new_key()
    session.add(
        Report(
            organisation_id=org.id,
            receipt_digest=receipt_digest(vault.ring.index_key, receipt),
            submission_digest=secrets.token_hex(16),
            data_key_id=key.id,
            answers_sealed=vault.seal(key.id, "{}"),
            country="CO",
            incident_id=incident.id if incident else None,
        )
    )
    session.flush()
    return receipt


def other_prefix(receipt: str, n: int) -> str:
    """The n-th of up to 999,999 wrong receipts, each with its own prefix (not the receipt's),
    as blind guessing spreads them."""
    prefix = (int(receipt[:PREFIX_DIGITS]) + 1 + n) % 10**PREFIX_DIGITS
    return f"{prefix:0{PREFIX_DIGITS}d}" + secrets.choice("0123456789") * (16 - PREFIX_DIGITS)


def use_fast_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check's Argon2 replaced by a keyed BLAKE2 (the throttle, not the hash, is under
    test), so hundreds of guesses stay quick; reports are stored with the same digest."""

    def digest(index_key: bytes, receipt: str) -> str:
        return hashlib.blake2b(receipt.encode(), key=index_key, digest_size=32).hexdigest()

    monkeypatch.setattr("vigil.intake.receipts.receipt_digest", digest)
    monkeypatch.setattr("tests.intake.receipt_support.receipt_digest", digest)


def flood(session: Session, vault: Vault, settings: Settings, receipt: str, count: int) -> None:
    """``count`` blind wrong guesses, straight at the check (it knows no client: there is no
    per-client or global budget to fill, whichever addresses the guesses come from)."""
    for n in range(count):
        checked = check_receipt(
            session,
            vault=vault,
            settings=settings,
            typed=other_prefix(receipt, n),
            now=utcnow(),
        )
        assert checked.answer is Answer.WRONG and checked.report is None
    session.commit()


def freeze_receipt_clock(monkeypatch) -> datetime:  # type: ignore[no-untyped-def]
    """Hold the receipt pages' clock still. Wrong receipts are counted in 15-minute windows:
    a test that crossed a window's edge between two guesses would see its count start again
    (CI failed once that way). Returns the instant the pages see."""
    frozen = utcnow()
    for page in ("vigil.surfaces.intake.reports", "vigil.surfaces.intake.checkins"):
        monkeypatch.setattr(f"{page}.utcnow", lambda: frozen)
    return frozen
