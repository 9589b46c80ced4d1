"""Deadlines in business days skip the public holidays of the case's country: a real
holiday (8 December 2026, Immaculate Conception, in Colombia and Peru; 9 December, Battle
of Ayacucho, in Peru only) is tested a day either side, and on both databases through
``add_referral``."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import make_incident, make_org, make_staff
from vigil.casework.business_days import add_business_days, is_business_day
from vigil.casework.referrals import add_referral

MONDAY_7 = date(2026, 12, 7)
HOLIDAY = date(2026, 12, 8)  # Tuesday: Immaculate Conception (Colombia, Peru)


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        (date(2026, 12, 7), "CO", True),  # the day before the holiday
        (HOLIDAY, "CO", False),
        (date(2026, 12, 9), "CO", True),  # the day after
        (HOLIDAY, "PE", False),
        (date(2026, 12, 9), "PE", False),  # Battle of Ayacucho: Peru only
        (date(2026, 12, 10), "PE", True),
        (HOLIDAY, "GB", True),  # not a holiday there
        (HOLIDAY, None, True),  # no country: weekends only
        (HOLIDAY, "XX", True),  # a country the package does not know: weekends only
        (date(2026, 12, 12), "CO", False),  # Saturday
    ],
)
def test_public_holidays_are_not_business_days(day, country, expected):
    assert is_business_day(day, country) is expected


@pytest.mark.parametrize(
    ("start", "days", "country", "expected"),
    [
        (MONDAY_7, 1, "CO", date(2026, 12, 9)),  # the 8th is skipped
        (MONDAY_7, 1, None, HOLIDAY),  # the same without a country
        (MONDAY_7, 1, "PE", date(2026, 12, 10)),  # the 8th and the 9th are skipped
        (date(2026, 12, 4), 1, "CO", MONDAY_7),  # the deadline the day before the holiday
        (HOLIDAY, 1, "CO", date(2026, 12, 9)),  # sent on the holiday itself
        (date(2026, 12, 24), 1, "CO", date(2026, 12, 28)),  # Christmas, then the weekend
    ],
)
def test_business_days_skip_the_countrys_public_holidays(start, days, country, expected):
    assert add_business_days(start, days, country) == expected


@pytest.mark.parametrize(
    ("country", "sent_on", "expected"),
    [
        ("CO", date(2026, 12, 4), MONDAY_7),  # Friday + 1: Monday, the day before the holiday
        ("CO", MONDAY_7, date(2026, 12, 9)),  # Monday + 1 crosses the holiday
        ("PE", MONDAY_7, date(2026, 12, 10)),
        ("GB", MONDAY_7, HOLIDAY),
    ],
)
def test_a_referral_deadline_skips_the_holidays_of_the_case_country(
    session, vault, country, sent_on, expected
):
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault, country=country)
    assert incident.country == country
    referral = add_referral(
        session,
        org_id=org.id,
        incident_id=incident.id,
        body_name="Unidad Nacional de Protección",
        body_kind="national_protection_mechanism",
        sent_on=sent_on,
        business_days=1,
        actor_user_id=analyst.user.id,
    )
    assert referral.deadline_on == expected
