"""The receipt's keyed digest depends on every one of its 16 digits and on the key."""

from __future__ import annotations

import secrets

import pytest

from vigil.intake.receipts import (
    RECEIPT_DIGITS,
    format_receipt,
    new_receipt,
    normalise_receipt,
    receipt_digest,
)

KEY = secrets.token_bytes(32)
RECEIPT = "1234567890123456"


@pytest.mark.parametrize("position", range(RECEIPT_DIGITS))
def test_changing_any_single_digit_changes_the_digest(position):
    """A digest over only a prefix (say the first 8 digits) would let 10^8 guesses in."""
    other_digit = "0" if RECEIPT[position] != "0" else "1"
    changed = RECEIPT[:position] + other_digit + RECEIPT[position + 1 :]
    assert receipt_digest(KEY, changed) != receipt_digest(KEY, RECEIPT)


def test_digest_is_keyed_and_stable():
    assert receipt_digest(KEY, RECEIPT) == receipt_digest(KEY, RECEIPT)
    assert receipt_digest(secrets.token_bytes(32), RECEIPT) != receipt_digest(KEY, RECEIPT)
    assert RECEIPT not in receipt_digest(KEY, RECEIPT)


def test_receipts_have_exactly_sixteen_digits():
    receipt = new_receipt()
    assert len(receipt) == RECEIPT_DIGITS == 16 and receipt.isdigit()
    assert normalise_receipt(format_receipt(RECEIPT)) == RECEIPT
    assert normalise_receipt(RECEIPT[:-1]) is None  # 15 digits
    assert normalise_receipt(RECEIPT + "7") is None  # 17 digits
