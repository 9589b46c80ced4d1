"""Money in casework: an amount is a ``Decimal`` in an ISO 4217 currency (Babel's CLDR list
of currencies in use), with no more decimals than the currency has; limits compare integer
minor units. Never a float: a grant of 0.1 + 0.2 must be 0.3."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation

from babel.core import get_global
from babel.numbers import format_decimal, get_territory_currencies

from vigil.core.errors import Invalid
from vigil.core.i18n import current_locale

#: ISO 4217 minor units that differ from 2 (CLDR's own "digits" are for display, not law).
_THREE = ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")
_ZERO = ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG")
_ZERO += ("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF")
MINOR_UNITS = {**dict.fromkeys(_THREE, 3), **dict.fromkeys(_ZERO, 0)}
MAX_AMOUNT = Decimal("99999999999")


@functools.cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes of the currencies in use today in some territory."""
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory))
    return frozenset(codes | set(MINOR_UNITS))


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def clean_money(
    amount: str | Decimal | None, currency: str | None
) -> tuple[Decimal | None, str | None]:
    """Check an amount (digits and one decimal point, no grouping) and its currency."""
    text = str(amount).strip() if amount is not None else ""
    code = (currency or "").strip().upper()
    if not text:
        if code and code not in currencies():
            raise Invalid("Use a three-letter ISO 4217 currency code, such as USD or COP.")
        return None, None
    if not text.replace(".", "", 1).isdigit():
        raise Invalid("Write the amount with digits and a decimal point only, e.g. 1500.50.")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - excluded by the check above
        raise Invalid("Write the amount with digits and a decimal point only.") from exc
    if code not in currencies():
        raise Invalid("Use a three-letter ISO 4217 currency code, such as USD or COP.")
    if value <= 0 or value > MAX_AMOUNT:
        raise Invalid("The amount must be more than zero.")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor_unit(code):
        raise Invalid(f"{code} amounts have at most {minor_unit(code)} decimals.")
    return value, code


def format_money(amount: Decimal | None, currency: str | None) -> str | None:
    if amount is None or currency is None:
        return None
    digits = minor_unit(currency)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return f"{format_decimal(amount, format=pattern, locale=current_locale.get())} {currency}"


def to_minor(amount: Decimal, currency: str) -> int:
    """The amount in the currency's minor units (cents), exactly."""
    return int(amount.scaleb(minor_unit(currency)))
