"""The claim amounts at which hint (a) suggests a claim may be disproportionate.

These are Vigil's own screening thresholds, not legal limits and not taken from any court or
statute: about fifty thousand euros' worth (rounded, at 2024 average exchange rates) claimed
from a person, a group or a community, and four times that from an organisation. A claim at
or above the threshold prompts the analyst to look; a currency not listed here gets no hint
(the page says so) and is judged by hand. Volatile currencies are left out on purpose: a
fixed figure would soon mislead."""

from __future__ import annotations

from decimal import Decimal

#: Threshold for a claim against a person, a group or a community, per ISO 4217 currency.
PERSON_THRESHOLDS: dict[str, Decimal] = {
    code: Decimal(value)
    for code, value in {
        "EUR": 50_000,
        "USD": 55_000,
        "GBP": 45_000,
        "CHF": 50_000,
        "CAD": 75_000,
        "AUD": 85_000,
        "COP": 230_000_000,
        "BRL": 300_000,
        "MXN": 1_000_000,
        "PEN": 200_000,
        "CLP": 50_000_000,
        "GTQ": 420_000,
        "HNL": 1_350_000,
        "PHP": 3_000_000,
        "IDR": 900_000_000,
        "THB": 2_000_000,
        "INR": 4_500_000,
        "ZAR": 1_000_000,
        "KES": 7_000_000,
    }.items()
}
#: A claim against organisations only is judged against this multiple of the threshold.
ORGANISATION_FACTOR = 4


def threshold_for(currency: str | None, *, against_person: bool) -> Decimal | None:
    """The amount from which hint (a) fires, or None when the currency has no threshold."""
    base = PERSON_THRESHOLDS.get((currency or "").upper())
    if base is None:
        return None
    return base if against_person else base * ORGANISATION_FACTOR
