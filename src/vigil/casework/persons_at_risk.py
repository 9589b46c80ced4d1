"""Persons at risk of a case and their assessments (rules in :mod:`vigil.casework.risk`).

Every person assessment also writes the case's own risk: the highest level among its persons
and the earliest of their review dates, as an ordinary ``RiskAssessment`` row. So the
dashboard, the daily review reminders and the second review before closing a high-risk case
keep reading one place, and a relative in extreme danger keeps the case from being closed
lightly even when the defender's own risk has eased.

Tenancy as everywhere: another organisation's case or person is "not found". Audit details
carry levels and dates, never names, notes or reasons.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.casework.models import RiskAssessment, RiskLevel
from vigil.casework.person_levels import latest_person_assessments
from vigil.casework.risk import (
    FACTORS,
    RATINGS,
    REVIEW_DAYS,
    compute_score,
    default_review_on,
    highest_level,
    suggest_level,
)
from vigil.casework.risk_models import PersonAtRisk, PersonRelation, PersonRiskAssessment
from vigil.casework.service import load_case, touch_case
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.defenders.models import Defender
from vigil.incidents.models import Act, Incident


def case_defenders(session: Session, *, incident_id: int) -> list[Defender]:
    """The defenders named as victims in the case's acts (each once: a subquery, since
    PostgreSQL cannot compare the JSON columns a DISTINCT over whole rows would need)."""
    victims = select(Act.victim_id).where(Act.incident_id == incident_id)
    return list(
        session.scalars(select(Defender).where(Defender.id.in_(victims)).order_by(Defender.id))
    )


def add_person_at_risk(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    relation: str,
    alias: str = "",
    name: str | None = None,
    contact: str | None = None,
    defender_id: int | None = None,
    actor_user_id: int | None,
) -> PersonAtRisk:
    """A defender of the case (by their record), or a relative or community member."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if relation not in PersonRelation.__members__:
        raise Invalid("Say how the person stands to the case.")
    if defender_id is not None:
        defender = next(
            (d for d in case_defenders(session, incident_id=incident.id) if d.id == defender_id),
            None,
        )
        if defender is None:
            raise NotFound("No such defender in this case.")
        if session.scalar(
            select(PersonAtRisk.id).where(
                PersonAtRisk.incident_id == incident.id, PersonAtRisk.defender_id == defender_id
            )
        ):
            raise Conflict("This defender is already a person at risk of the case.")
        relation, alias, name, contact = PersonRelation.defender, defender.alias, None, None
    if not alias.strip():
        raise Invalid("A person at risk needs an alias (never their name).")
    person = PersonAtRisk(
        organisation_id=incident.organisation_id,
        incident_id=incident.id,
        defender_id=defender_id,
        relation=relation,
        alias=alias.strip()[:120],
        name_sealed=vault.seal(incident.data_key_id, name.strip() if name else None),
        contact_sealed=vault.seal(incident.data_key_id, contact.strip() if contact else None),
        created_by_id=actor_user_id,
    )
    session.add(person)
    session.flush()
    touch_case(session, incident, "incident.person_at_risk_added", actor_user_id, relation=relation)
    return person


def load_person(session: Session, *, org_id: int, incident_id: int, person_id: int) -> PersonAtRisk:
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    person = session.get(PersonAtRisk, person_id)
    if person is None or person.incident_id != incident.id:
        raise NotFound("No such person at risk.")
    return person


def persons_of(session: Session, *, incident_id: int) -> list[PersonAtRisk]:
    return list(
        session.scalars(
            select(PersonAtRisk)
            .where(PersonAtRisk.incident_id == incident_id)
            .order_by(PersonAtRisk.id)
        )
    )


def _check_review_on(level: str, review_on: date | None, today: date) -> date:
    """The default interval of the level, or an earlier date: a review may come sooner than
    the level calls for, never later."""
    latest = default_review_on(level, today)
    if review_on is None:
        return latest
    if review_on <= today:
        raise Invalid("The review date must be in the future.")
    if review_on > latest:
        raise Invalid(
            f"At this level the risk is reviewed within {REVIEW_DAYS[RiskLevel(level)]} days."
        )
    return review_on


def assess_person(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    person_id: int,
    ratings: dict[str, int],
    notes: dict[str, str],
    level: str,
    reasons: str,
    today: date,
    review_on: date | None = None,
    actor_user_id: int | None,
) -> PersonRiskAssessment:
    """Record the analyst's level for one person, with the factors' suggestion kept beside
    it, then bring the case's own risk in line."""
    person = load_person(session, org_id=org_id, incident_id=incident_id, person_id=person_id)
    incident = session.get(Incident, person.incident_id)
    assert incident is not None
    if level not in RiskLevel.__members__:
        raise Invalid("Choose the level of risk yourself: ordinary, extraordinary or extreme.")
    if set(ratings) - set(FACTORS) or any(v not in RATINGS for v in ratings.values()):
        raise Invalid("Rate each factor from 0 to 3, or leave it as not known.")
    score = compute_score(ratings)
    kept_notes = {k: v.strip() for k, v in notes.items() if k in FACTORS and v.strip()}
    assessment = PersonRiskAssessment(
        person_id=person.id,
        incident_id=incident.id,
        ratings=json.dumps(ratings, sort_keys=True),
        notes_sealed=vault.seal(incident.data_key_id, json.dumps(kept_notes))
        if kept_notes
        else None,
        score=score.rounded if score else None,
        suggested_level=suggest_level(score),
        level=level,
        reasons_sealed=vault.seal(incident.data_key_id, reasons.strip() or None),
        review_on=_check_review_on(level, review_on, today),
        assessed_by_id=actor_user_id,
    )
    session.add(assessment)
    session.flush()
    _follow_persons(session, incident, assessment, actor_user_id)
    return assessment


def _follow_persons(
    session: Session,
    incident: Incident,
    assessment: PersonRiskAssessment,
    actor_user_id: int | None,
) -> RiskAssessment:
    """The case's risk: its most endangered person's level, reviewed at the earliest date."""
    latest = latest_person_assessments(session, incident_id=incident.id).values()
    case_level = highest_level([row.level for row in latest])
    case_row = RiskAssessment(
        incident_id=incident.id,
        level=case_level,
        factors="{}",
        assessed_by_id=actor_user_id,
        review_on=min(row.review_on for row in latest),
        person_assessment_id=assessment.id,
    )
    session.add(case_row)
    touch_case(
        session,
        incident,
        "incident.person_risk_assessed",
        actor_user_id,
        person=assessment.person_id,
        level=assessment.level,
        suggested=assessment.suggested_level,
        case_level=case_level,
        review_on=case_row.review_on.isoformat(),
    )
    return case_row


def person_history(
    session: Session, *, vault: Vault, incident: Incident, person_id: int
) -> list[dict[str, Any]]:
    """A person's assessments, newest first, with their sealed texts opened for the page."""
    rows = session.scalars(
        select(PersonRiskAssessment)
        .where(PersonRiskAssessment.person_id == person_id)
        .order_by(PersonRiskAssessment.id.desc())
    ).all()
    history = []
    for row in rows:
        notes_text = vault.reveal(incident.data_key_id, row.notes_sealed)
        try:
            notes = json.loads(notes_text) if notes_text else {}
        except ValueError:  # the placeholder of a forgotten case
            notes = {"": notes_text}
        history.append(
            {
                "row": row,
                "ratings": json.loads(row.ratings),
                "notes": notes,
                "reasons": vault.reveal(incident.data_key_id, row.reasons_sealed),
            }
        )
    return history


def persons_context(session: Session, *, incident: Incident) -> dict[str, Any]:
    """The case page's "persons at risk" section: each person with their latest assessment,
    and the case's defenders who are not persons at risk yet."""
    persons = persons_of(session, incident_id=incident.id)
    latest = latest_person_assessments(session, incident_id=incident.id)
    listed = {p.defender_id for p in persons}
    return {
        "persons_at_risk": [{"person": p, "latest": latest.get(p.id)} for p in persons],
        "defenders_to_add": [
            d for d in case_defenders(session, incident_id=incident.id) if d.id not in listed
        ],
        "person_relations": [r for r in PersonRelation if r != PersonRelation.defender],
    }
