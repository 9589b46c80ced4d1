"""Receipt codes: the reporter's only key to their report.

16 random digits (10^16 possibilities) from ``secrets``; stored only as a slow hash (Argon2id)
with a deployment-wide salt derived from the blind-index key, so a report can be found by its
receipt without storing the receipt, and an offline guess against a stolen database costs an
Argon2 run per guess (and needs the key files too).
"""

from __future__ import annotations

import hashlib
import secrets

from argon2.low_level import Type, hash_secret_raw

RECEIPT_DIGITS = 16


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
