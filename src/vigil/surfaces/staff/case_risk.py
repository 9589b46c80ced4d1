"""The persons at risk of a case and the per-person risk assessment form.

The form works without JavaScript: "Show the suggestion" posts the ratings back and the
page returns with the score and the level the factors suggest — still with no level
chosen. Only "Record the assessment" with a level the analyst picked saves anything.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from vigil.access import CaseView
from vigil.casework.labels import label
from vigil.casework.models import RiskLevel
from vigil.casework.persons_at_risk import (
    add_person_at_risk,
    assess_person,
    load_person,
    person_history,
)
from vigil.casework.risk import (
    DEFINITIONS_SOURCE,
    FACTORS,
    GROUPS,
    RATINGS,
    REVIEW_DAYS,
    clean_ratings,
    compute_score,
    factor_hint,
    level_definition,
    risk_label,
    suggest_level,
)
from vigil.core.errors import Invalid
from vigil.core.i18n import gettext
from vigil.incidents.service import case_for_reading
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]


async def factor_form(request: Request) -> dict[str, dict[str, str]]:
    """The 13 ratings and their notes, read once from the posted form."""
    form = await request.form()
    ratings = {f: str(form.get(f, ""))[:1] for f in FACTORS}
    notes = {f: str(form.get(f"note_{f}", ""))[:1000] for f in FACTORS}
    return {"ratings": ratings, "notes": notes}


FactorForm = Annotated[dict[str, dict[str, str]], Depends(factor_form)]


def _assess_url(incident_id: int, person_id: int) -> str:
    return f"/staff/incidents/{incident_id}/persons/{person_id}/assess"


@router.post("/staff/incidents/{incident_id}/persons", name="casework.person_add")
def person_add(
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    relation: Annotated[str, Form(max_length=20)] = "",
    alias: Annotated[str, Form(max_length=120)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    contact: Annotated[str, Form(max_length=500)] = "",
    defender: Annotated[str, Form(max_length=9)] = "",
) -> Response:
    person = add_person_at_risk(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        relation=relation or "defender",
        alias=alias,
        name=name or None,
        contact=contact or None,
        defender_id=int(defender) if defender.isdigit() else None,
        actor_user_id=staff.user_id,
    )
    return RedirectResponse(_assess_url(incident_id, person.id), status_code=303)


def _form_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Staff,
    incident_id: int,
    person_id: int,
    **shown: Any,
) -> Response:
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.case
    )
    person = load_person(
        session, org_id=staff.organisation_id, incident_id=incident.id, person_id=person_id
    )
    context: dict[str, Any] = {
        "staff": staff,
        "incident": incident,
        "person": person,
        "history": person_history(session, vault=vault, incident=incident, person_id=person.id),
        "groups": GROUPS,
        "ratings_scale": RATINGS,
        "levels": list(RiskLevel),
        "review_days": REVIEW_DAYS,
        "risk_label": risk_label,
        "label_level": label,
        "factor_hint": factor_hint,
        "level_definition": level_definition,
        "definitions_source": gettext(DEFINITIONS_SOURCE),
        "entered": {"ratings": {}, "notes": {}},
        "suggestion": None,
        "score": None,
        "problem": None,
    }
    context.update(shown)
    return render(request, "staff/casework/person_risk.html", context)


@router.get("/staff/incidents/{incident_id}/persons/{person_id}/assess", name="casework.person")
def person_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    incident_id: ObjectId,
    person_id: ObjectId,
) -> Response:
    return _form_page(request, session, vault, staff, incident_id, person_id)


@router.post(
    "/staff/incidents/{incident_id}/persons/{person_id}/assess", name="casework.person_assess"
)
def person_assess(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    person_id: ObjectId,
    entered: FactorForm,
    level: Annotated[str, Form(max_length=20)] = "",
    reasons: Annotated[str, Form(max_length=5000)] = "",
    review_on: Annotated[str, Form(max_length=10)] = "",
    action: Annotated[str, Form(max_length=10)] = "record",
) -> Response:
    try:
        ratings = clean_ratings(entered["ratings"])
    except ValueError as error:
        raise Invalid("Rate each factor from 0 to 3, or leave it as not known.") from error
    if action != "record" or not level:
        score = compute_score(ratings)
        return _form_page(
            request,
            session,
            vault,
            staff,
            incident_id,
            person_id,
            entered=entered,
            suggestion=suggest_level(score),
            score=score.rounded if score else None,
            problem=None if action != "record" else gettext("Choose a level of risk."),
            reasons=reasons,
        )
    try:
        review = date.fromisoformat(review_on) if review_on else None
    except ValueError as error:
        raise Invalid("Give the date as YYYY-MM-DD.") from error
    assess_person(
        session,
        vault=vault,
        org_id=staff.organisation_id,
        incident_id=incident_id,
        person_id=person_id,
        ratings=ratings,
        notes=entered["notes"],
        level=level,
        reasons=reasons,
        today=date.today(),
        review_on=review,
        actor_user_id=staff.user_id,
    )
    return RedirectResponse(
        f"/staff/incidents/{incident_id}/case?done=assessed#persons", status_code=303
    )
