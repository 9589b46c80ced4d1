"""Which channels page a staff member besides e-mail, and the numbers they are reached at.

Numbers are checked with ``phonenumbers`` (Google's libphonenumber) and kept in E.164 form
(``+5215512345678``): it is what Twilio and Signal expect, and a number typed without its
country code cannot be told apart from a number in another country, so it is refused rather
than guessed. They are sealed under the user's own data key; the audit log records that a
number changed, never the number.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from sqlalchemy.orm import Session

from vigil.accounts.models import User
from vigil.core.audit import record_event
from vigil.core.crypto import Vault, Withheld
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.outbox.staff_page_models import PagingChoice

#: Longer than any real number, typed with spaces, dashes and brackets.
NUMBER_MAX_CHARS = 40


@dataclass(frozen=True)
class PagingForm:
    """What a staff member chose: numbers as typed (or as stored, E.164) and the channels."""

    phone: str = ""
    signal_number: str = ""
    sms: bool = False
    voice: bool = False
    signal: bool = False


class PagingInvalid(Invalid):
    """The choice breaks a rule: one message per field (``phone``, ``signal_number``)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def e164(text: str) -> str | None:
    """``text`` as an E.164 number, None when empty; ``Invalid`` when it is not a valid
    number with its country code."""
    text = text.strip()
    if not text:
        return None
    if len(text) > NUMBER_MAX_CHARS or not text.startswith(("+", "00")):
        raise Invalid(gettext("Type the number with its country code, starting with +."))
    try:
        number = phonenumbers.parse("+" + text[2:] if text.startswith("00") else text, None)
    except phonenumbers.NumberParseException:
        raise Invalid(gettext("This is not a phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid(gettext("This is not a valid phone number for its country."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _checked(form: PagingForm) -> tuple[str | None, str | None]:
    errors: dict[str, str] = {}
    numbers: dict[str, str | None] = {}
    for name in ("phone", "signal_number"):
        try:
            numbers[name] = e164(getattr(form, name))
        except Invalid as problem:
            errors[name] = str(problem)
    if "phone" not in errors and (form.sms or form.voice) and not numbers["phone"]:
        errors["phone"] = gettext("SMS and voice calls need a phone number.")
    if "signal_number" not in errors and form.signal and not numbers["signal_number"]:
        errors["signal_number"] = gettext("Signal needs the number you use with Signal.")
    if errors:
        raise PagingInvalid(errors=errors)
    return numbers["phone"], numbers["signal_number"]


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def paging_choices(session: Session, vault: Vault, *, user_id: int) -> PagingForm:
    """The stored choice with its numbers opened (nothing chosen: e-mail only)."""
    choice = session.get(PagingChoice, user_id)
    if choice is None:
        return PagingForm()
    key = _user(session, user_id).data_key_id
    return PagingForm(
        phone=_opened(vault, key, choice.phone_sealed) or "",
        signal_number=_opened(vault, key, choice.signal_sealed) or "",
        sms=choice.sms,
        voice=choice.voice,
        signal=choice.signal,
    )


def _opened(vault: Vault, key_id: int | None, sealed: bytes | None) -> str | None:
    try:
        return vault.open(key_id, sealed)
    except Withheld:
        return None


def set_paging_choices(
    session: Session, vault: Vault, *, org_id: int, user_id: int, form: PagingForm
) -> PagingForm:
    """Check and store a staff member's own choice (``PagingInvalid`` names each bad field);
    audited with the channels and whether a number changed, never the number."""
    phone, signal_number = _checked(form)
    user = _user(session, user_id)
    before = paging_choices(session, vault, user_id=user_id)
    if user.data_key_id is None:
        user.data_key_id = vault.new_key().id
    choice = session.get(PagingChoice, user_id) or PagingChoice(user_id=user_id)
    choice.phone_sealed = vault.seal(user.data_key_id, phone)
    choice.signal_sealed = vault.seal(user.data_key_id, signal_number)
    choice.sms, choice.voice, choice.signal = form.sms, form.voice, form.signal
    choice.updated_at = utcnow()
    session.add(choice)
    session.flush()
    record_event(
        session,
        action="user.paging_changed",
        organisation_id=org_id,
        actor_user_id=user_id,
        object_type="user",
        object_id=user_id,
        detail={
            "sms": form.sms,
            "voice": form.voice,
            "signal": form.signal,
            "phone_changed": (phone or "") != before.phone,
            "signal_number_changed": (signal_number or "") != before.signal_number,
        },
    )
    return PagingForm(
        phone=phone or "",
        signal_number=signal_number or "",
        sms=form.sms,
        voice=form.voice,
        signal=form.signal,
    )


def page_address(session: Session, vault: Vault, *, user_id: int, channel: str) -> str | None:
    """The number a page on ``channel`` goes to now, None when the user no longer wants
    that channel or has no number for it (the page is then given up, not retried)."""
    choice = session.get(PagingChoice, user_id)
    if choice is None or not getattr(choice, channel, False):
        return None
    sealed = choice.signal_sealed if channel == "signal" else choice.phone_sealed
    return _opened(vault, _user(session, user_id).data_key_id, sealed)
