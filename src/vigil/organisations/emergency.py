"""An organisation's emergency numbers, per country: what a defender is told to call right
after answering a check-in ("I need help now" especially), in the country of their case.

Written by a coordinator as lines ``CO: Police 123 · Our team +57 300 000 0000``; stored as
one short text per ISO 3166-1 country code. The check-in pages name no one, so the settings
page asks for numbers, not names that would say which organisation is behind the link.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.errors import Invalid
from vigil.core.places import country_codes
from vigil.organisations.models import Organisation

#: One country's text, and how many countries one organisation may list.
MAX_TEXT = 300
MAX_COUNTRIES = 60


class EmergencyNumbersInvalid(Invalid):
    """The lines that could not be read, by line number (1-based), for the form."""

    def __init__(self, problems: dict[int, str]) -> None:
        super().__init__("Some lines could not be read.")
        self.problems = problems


def parse_emergency_numbers(text: str) -> dict[str, str]:
    """``CODE: numbers`` per line, blank lines ignored; a country given twice keeps both
    texts joined. Every faulty line is reported at once (the form shows them all)."""
    numbers: dict[str, str] = {}
    problems: dict[int, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        code, colon, said = line.partition(":")
        code, said = code.strip().upper(), " ".join(said.split())
        if not colon or code not in country_codes():
            problems[number] = "unknown_country"
        elif not said:
            problems[number] = "empty"
        else:
            joined = f"{numbers[code]} · {said}" if code in numbers else said
            if len(joined) > MAX_TEXT:
                problems[number] = "too_long"
            numbers[code] = joined[:MAX_TEXT]
    if len(numbers) > MAX_COUNTRIES:
        problems[0] = "too_many"
    if problems:
        raise EmergencyNumbersInvalid(problems)
    return numbers


def as_lines(numbers: dict[str, str] | None) -> str:
    """The stored numbers as the form shows them, one country a line, by code."""
    return "\n".join(f"{code}: {said}" for code, said in sorted((numbers or {}).items()))


def set_emergency_numbers(
    session: Session, *, org_id: int, numbers: dict[str, str], actor_user_id: int
) -> Organisation:
    """Replace the organisation's emergency numbers (audited: which countries, not texts)."""
    organisation = session.get(Organisation, org_id)
    if organisation is None:
        raise Invalid("No such organisation.")
    organisation.emergency_numbers = dict(numbers)
    session.flush()
    record_event(
        session,
        action="organisation.emergency_numbers",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="organisation",
        object_id=org_id,
        detail={"countries": sorted(numbers)},
    )
    return organisation


def emergency_numbers_for(session: Session, *, org_id: int, country: str | None) -> str | None:
    """What to call in ``country`` (the case's), or None when the organisation set nothing."""
    organisation = session.get(Organisation, org_id)
    if organisation is None or not country:
        return None
    return (organisation.emergency_numbers or {}).get(country.upper()) or None
