"""What a lawsuit form says, and the rules that turn it into stored values.

The form's values stay strings so a refused form comes back exactly as typed; ``clean_input``
gives the typed values or raises ``Invalid`` with a message (an ``N_`` msgid the page
translates). Currencies are ISO 4217 codes as pycountry knows them; countries ISO 3166-1 and
regions ISO 3166-2 subdivisions of that country."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import pycountry
from sqlalchemy.orm import Session

from vigil.companies.models import Company
from vigil.core.errors import Invalid
from vigil.core.i18n import N_
from vigil.core.places import check_region, country_codes
from vigil.diligence.slapp.vocabulary import ClaimType, Outcome

MAX_NAME = 300
MAX_NUMBER = 120
MAX_NOTES = 10_000
MAX_DESCRIPTION = 200
#: Larger than any claim ever reported, small enough for Numeric(18, 2).
MAX_AMOUNT = Decimal("9999999999999999")
MAX_POSTPONEMENTS = 1000


@dataclass(frozen=True)
class LawsuitInput:
    claimant_name: str = ""
    claimant_company_id: str = ""
    claimant_group_id: str = ""
    court: str = ""
    case_number: str = ""
    country: str = ""
    region: str = ""
    claim_type: str = ClaimType.defamation.value
    claim_amount: str = ""
    currency: str = ""
    filed_on: str = ""
    decided_on: str = ""
    postponements: str = "0"
    outcome: str = Outcome.pending.value
    notes: str = ""


def _line(value: str, limit: int, error: str, *, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if (required and not text) or len(text) > limit:
        raise Invalid(error)
    return text


def check_currency(code: str) -> str:
    """The ISO 4217 alphabetic code, upper-cased; ``Invalid`` for anything pycountry lacks."""
    text = (code or "").strip().upper()
    if len(text) != 3 or pycountry.currencies.get(alpha_3=text) is None:
        raise Invalid(N_("The currency must be an ISO 4217 code such as EUR, USD or COP."))
    return text


def _amount(value: str) -> Decimal | None:
    text = (value or "").strip().replace(" ", "").replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Invalid(N_("The claim amount must be a number, e.g. 250000.00.")) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise Invalid(N_("The claim amount must be a number, e.g. 250000.00."))
    return amount.quantize(Decimal("0.01"))


def _date(value: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(N_("Dates must be written as YYYY-MM-DD.")) from None


def _company(session: Session, value: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit() or session.get(Company, int(text)) is None:
        raise Invalid(N_("No company of the registry has that number."))
    return int(text)


def _postponements(value: str) -> int:
    text = (value or "0").strip() or "0"
    if not text.isdigit() or int(text) > MAX_POSTPONEMENTS:
        raise Invalid(N_("The number of postponements must be a whole number from 0."))
    return int(text)


def clean_input(session: Session, data: LawsuitInput) -> dict[str, object]:
    """The stored values of a lawsuit, or ``Invalid`` naming the first rule broken."""
    country = (data.country or "").strip().upper()
    if country not in country_codes():
        raise Invalid(N_("Choose the country of the court."))
    try:
        region = check_region(country, data.region)
    except Invalid:
        raise Invalid(N_("The region must be an ISO 3166-2 code of that country.")) from None
    if data.claim_type not in set(ClaimType):
        raise Invalid(N_("Choose a claim type from the list."))
    if data.outcome not in set(Outcome):
        raise Invalid(N_("Choose an outcome from the list."))
    amount = _amount(data.claim_amount)
    currency = check_currency(data.currency) if (data.currency or "").strip() else None
    if amount is not None and currency is None:
        raise Invalid(N_("Give the currency of the claim amount."))
    filed_on, decided_on = _date(data.filed_on), _date(data.decided_on)
    if filed_on and decided_on and decided_on < filed_on:
        raise Invalid(N_("The decision cannot come before the filing."))
    return {
        "claimant_name": _line(
            data.claimant_name,
            MAX_NAME,
            N_("Name the claimant (at most 300 characters)."),
            required=True,
        ),
        "claimant_company_id": _company(session, data.claimant_company_id),
        "claimant_group_id": _company(session, data.claimant_group_id),
        "court": _line(data.court, MAX_NAME, N_("Keep the court under 300 characters.")),
        "case_number": _line(
            data.case_number, MAX_NUMBER, N_("Keep the case number under 120 characters.")
        ),
        "country": country,
        "region": region,
        "claim_type": data.claim_type,
        "claim_amount": amount,
        "currency": currency,
        "filed_on": filed_on,
        "decided_on": decided_on,
        "postponements": _postponements(data.postponements),
        "outcome": data.outcome,
        "notes": _notes(data.notes),
    }


def _notes(value: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_NOTES:
        raise Invalid(N_("Keep the notes under 10,000 characters."))
    return text


def input_of(row: object) -> LawsuitInput:
    """The form's strings for a stored lawsuit (the edit form starts from them)."""

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return LawsuitInput(
        **{name: text(getattr(row, name)) for name in LawsuitInput.__dataclass_fields__}
    )


def clean_description(value: str) -> str:
    """The public description of a defendant: it is published, so it must describe a role
    ("a community radio journalist"), never name anyone; staff are told so on the form."""
    return _line(
        value,
        MAX_DESCRIPTION,
        N_("Describe the defendant publicly in at most 200 characters, without a name."),
        required=True,
    )
