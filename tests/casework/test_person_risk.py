"""Risk per person: threats × vulnerabilities ÷ capacities, family and community members as
persons at risk, a review interval per level, and the case as much at risk as its most
endangered person."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from tests.factories import make_incident, make_org, make_staff
from vigil.casework.lifecycle import needs_second_review
from vigil.casework.models import CaseTask
from vigil.casework.monitoring import run_case_monitoring
from vigil.casework.persons_at_risk import add_person_at_risk, assess_person, case_defenders
from vigil.casework.risk import (
    CAPACITIES,
    FACTORS,
    THREATS,
    VULNERABILITIES,
    compute_score,
    suggest_level,
)
from vigil.casework.service import assess_risk, latest_assessment
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound

TODAY = utcnow().date()


def _all(value: int, factors: tuple[str, ...] = FACTORS) -> dict[str, int]:
    return dict.fromkeys(factors, value)


# --- The formula -------------------------------------------------------------------------


def test_no_capacities_leave_threats_times_vulnerabilities_undivided():
    score = compute_score({**_all(3, THREATS), **_all(3, VULNERABILITIES), **_all(0, CAPACITIES)})
    assert score.score == 9 and suggest_level(score) == "extreme"
    # Capacities nobody rated count as none: they never lower the risk.
    unrated = compute_score({**_all(3, THREATS), **_all(3, VULNERABILITIES)})
    assert unrated.score == 9


def test_full_capacities_divide_but_never_erase_the_risk():
    score = compute_score(_all(3))
    assert score.score == Fraction(9, 4) and suggest_level(score) == "extraordinary"


def test_no_threat_means_no_risk_and_nothing_rated_suggests_nothing():
    assert compute_score({**_all(0, THREATS), **_all(3, VULNERABILITIES)}).score == 0
    assert suggest_level(compute_score({**_all(0, THREATS), **_all(3, VULNERABILITIES)})) == (
        "ordinary"
    )
    assert compute_score(_all(3, VULNERABILITIES)) is None  # no threat rated at all
    assert compute_score(_all(3, THREATS)) is None
    assert suggest_level(None) is None


@pytest.mark.parametrize("factor", FACTORS)
def test_each_factor_points_one_way(factor):
    """Raising one rating moves the score up for threats and vulnerabilities, down for
    capacities — from every starting point, never the other way."""
    for base in (0, 1, 2):
        ratings = _all(1)
        ratings[factor] = base
        before = compute_score(ratings).score
        ratings[factor] = base + 1
        after = compute_score(ratings).score
        if factor in CAPACITIES:
            assert after < before, (factor, base)
        else:
            assert after > before, (factor, base)


def test_levels_are_suggested_at_the_thresholds():
    # T=2, V=2, C=0 -> 4: extreme; T=2, V=2, C=1 -> 2: extraordinary;
    # T=1, V=1, C=0 -> 1: ordinary; T=3, V=1, C=1 -> 1.5: extraordinary.
    def level(t, v, c):  # type: ignore[no-untyped-def]
        return suggest_level(
            compute_score({**_all(t, THREATS), **_all(v, VULNERABILITIES), **_all(c, CAPACITIES)})
        )

    assert level(2, 2, 0) == "extreme"
    assert level(2, 2, 1) == "extraordinary"
    assert level(1, 1, 0) == "ordinary"
    assert level(3, 1, 1) == "extraordinary"
    assert level(1, 2, 1) == "ordinary"


# --- Persons at risk and their assessments -------------------------------------------------


def _case(session, vault):  # type: ignore[no-untyped-def]
    org = make_org(session)
    analyst = make_staff(session, org)
    incident = make_incident(session, org, vault=vault)
    return org, analyst, incident


def _assess(session, vault, org, analyst, incident, person, level, **extra):  # type: ignore[no-untyped-def]
    return assess_person(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        person_id=person.id,
        ratings=extra.pop("ratings", {}),
        notes=extra.pop("notes", {}),
        level=level,
        reasons=extra.pop("reasons", ""),
        today=TODAY,
        actor_user_id=analyst.user.id,
        **extra,
    )


def _defender(session, vault, org, analyst, incident):  # type: ignore[no-untyped-def]
    (defender,) = case_defenders(session, incident_id=incident.id)
    return add_person_at_risk(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        relation="defender",
        defender_id=defender.id,
        actor_user_id=analyst.user.id,
    )


def _relative(session, vault, org, analyst, incident, alias="Daughter of the leader"):  # type: ignore[no-untyped-def]
    return add_person_at_risk(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        relation="family",
        alias=alias,
        name="Luz Hidden",
        contact="+57 300 000 0000",
        actor_user_id=analyst.user.id,
    )


@pytest.mark.parametrize(
    ("level", "days"), [("extreme", 7), ("extraordinary", 30), ("ordinary", 90)]
)
def test_each_level_sets_its_review_interval(session, vault, level, days):
    org, analyst, incident = _case(session, vault)
    person = _defender(session, vault, org, analyst, incident)
    assessment = _assess(session, vault, org, analyst, incident, person, level)
    assert abs((assessment.review_on - TODAY).days - days) <= 1
    # The case's own review date is the one the daily monitoring reads.
    assert latest_assessment(session, incident_id=incident.id).review_on == assessment.review_on


def test_a_review_may_come_sooner_never_later(session, vault):
    org, analyst, incident = _case(session, vault)
    person = _defender(session, vault, org, analyst, incident)
    sooner = _assess(
        session, vault, org, analyst, incident, person, "extreme", review_on=TODAY + timedelta(3)
    )
    assert sooner.review_on == TODAY + timedelta(3)
    for bad in (TODAY + timedelta(8), TODAY):
        with pytest.raises(Invalid):
            _assess(session, vault, org, analyst, incident, person, "extreme", review_on=bad)


def test_the_analyst_must_choose_the_level(session, vault):
    org, analyst, incident = _case(session, vault)
    person = _defender(session, vault, org, analyst, incident)
    for level in ("", "high"):
        with pytest.raises(Invalid):
            _assess(session, vault, org, analyst, incident, person, level, ratings=_all(3))
    with pytest.raises(Invalid):
        _assess(session, vault, org, analyst, incident, person, "extreme", ratings={"health": 4})


def test_the_suggestion_is_kept_beside_the_analysts_choice(session, vault):
    org, analyst, incident = _case(session, vault)
    person = _defender(session, vault, org, analyst, incident)
    assessment = _assess(
        session,
        vault,
        org,
        analyst,
        incident,
        person,
        "extraordinary",
        ratings={**_all(3, THREATS), **_all(3, VULNERABILITIES)},
        notes={"health": "Asthma; cannot run", "dependants": " "},
        reasons="Named on a pamphlet.",
    )
    assert (assessment.suggested_level, assessment.level) == ("extreme", "extraordinary")
    assert str(assessment.score) == "9.00"
    assert b"Asthma" not in assessment.notes_sealed
    assert "Asthma" in vault.open(incident.data_key_id, assessment.notes_sealed)


def test_a_family_member_is_a_person_at_risk_with_a_sealed_name(session, vault):
    org, analyst, incident = _case(session, vault)
    relative = _relative(session, vault, org, analyst, incident)
    assert relative.relation == "family" and relative.defender_id is None
    assert b"Luz" not in relative.name_sealed and b"300" not in relative.contact_sealed
    assert vault.open(incident.data_key_id, relative.name_sealed) == "Luz Hidden"
    _assess(session, vault, org, analyst, incident, relative, "extreme")
    assert latest_assessment(session, incident_id=incident.id).level == "extreme"
    with pytest.raises(Invalid):
        add_person_at_risk(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            relation="family",
            alias=" ",
            actor_user_id=analyst.user.id,
        )


def test_the_case_is_as_much_at_risk_as_its_most_endangered_person(session, vault):
    org, analyst, incident = _case(session, vault)
    defender = _defender(session, vault, org, analyst, incident)
    relative = _relative(session, vault, org, analyst, incident)
    _assess(session, vault, org, analyst, incident, defender, "ordinary")
    assert latest_assessment(session, incident_id=incident.id).level == "ordinary"
    _assess(session, vault, org, analyst, incident, relative, "extreme")
    case = latest_assessment(session, incident_id=incident.id)
    assert case.level == "extreme" and case.review_on == TODAY + timedelta(7)
    assert needs_second_review(case.level)  # closing now takes a second analyst
    # A case-level assessment cannot undercut the person in extreme danger.
    with pytest.raises(Conflict):
        assess_risk(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            level="ordinary",
            factors={},
            reasons="",
            review_on=TODAY + timedelta(30),
            actor_user_id=analyst.user.id,
        )
    with pytest.raises(Conflict):  # nor push the review past that person's
        assess_risk(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            level="extreme",
            factors={},
            reasons="",
            review_on=TODAY + timedelta(8),
            actor_user_id=analyst.user.id,
        )
    _assess(session, vault, org, analyst, incident, relative, "extraordinary")
    case = latest_assessment(session, incident_id=incident.id)
    assert case.level == "extraordinary" and case.review_on == TODAY + timedelta(30)
    _assess(session, vault, org, analyst, incident, relative, "ordinary")
    assert latest_assessment(session, incident_id=incident.id).level == "ordinary"


def test_the_earliest_review_raises_the_daily_review_task(session, vault):
    org, analyst, incident = _case(session, vault)
    _assess(
        session,
        vault,
        org,
        analyst,
        incident,
        _defender(session, vault, org, analyst, incident),
        "extreme",
    )
    _assess(
        session,
        vault,
        org,
        analyst,
        incident,
        _relative(session, vault, org, analyst, incident),
        "ordinary",
    )
    run_case_monitoring(
        session, now=utcnow() + timedelta(days=6), stale_after=timedelta(days=999), base_url="x"
    )
    task_ids = select(CaseTask.id).where(
        CaseTask.incident_id == incident.id, CaseTask.origin == "risk_review"
    )
    assert session.scalars(task_ids).all() == []
    run_case_monitoring(
        session, now=utcnow() + timedelta(days=8), stale_after=timedelta(days=999), base_url="x"
    )
    assert len(session.scalars(task_ids).all()) == 1


def test_defenders_are_added_once_and_only_from_the_case(session, vault):
    org, analyst, incident = _case(session, vault)
    person = _defender(session, vault, org, analyst, incident)
    assert person.relation == "defender" and person.alias == "Defender A"
    assert person.name_sealed is None  # the defender's record holds the name
    with pytest.raises(Conflict):
        _defender(session, vault, org, analyst, incident)
    other_case = make_incident(session, org, vault=vault)
    (stranger,) = case_defenders(session, incident_id=other_case.id)
    with pytest.raises(NotFound):
        add_person_at_risk(
            session,
            vault=vault,
            org_id=org.id,
            incident_id=incident.id,
            relation="defender",
            defender_id=stranger.id,
            actor_user_id=analyst.user.id,
        )


def test_another_organisations_persons_and_cases_are_not_found(session, vault):
    org, analyst, incident = _case(session, vault)
    person = _relative(session, vault, org, analyst, incident)
    other = make_org(session)
    outsider = make_staff(session, other)
    with pytest.raises(NotFound):
        _relative(session, vault, other, outsider, incident)
    with pytest.raises(NotFound):
        _assess(session, vault, other, outsider, incident, person, "extreme")
    # A person of one case cannot be assessed through another case of the same organisation.
    second = make_incident(session, org, vault=vault)
    with pytest.raises(NotFound):
        _assess(session, vault, org, analyst, second, person, "extreme")
