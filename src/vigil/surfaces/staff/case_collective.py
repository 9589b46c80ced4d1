"""The suitability guide of a case: for each collective-action initiative covering the case's
country and sector, the hints Vigil draws from its records and the analyst's judgement on
each factor, with the reason. A read of the guide is a read of the case (audited through
``case_for_reading``); recording is for writers. A refused form comes back as typed.

``collective_summary`` is the small section of the case page that links here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.access import CaseView
from vigil.accounts.models import User
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import N_, gettext
from vigil.diligence.collective.suitability import (
    FACTORS,
    RATINGS,
    FactorInput,
    case_guide,
    covering_case,
    factor_label,
    rated_counts,
    rating_label,
    record_suitability,
)
from vigil.incidents.models import Incident
from vigil.incidents.service import case_for_reading
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.surfaces.staff.initiatives import kind_label
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
SAVED = N_("The judgements were recorded.")


def collective_summary(session: Session, *, incident: Incident) -> dict[str, Any]:
    """For the case page: the initiatives covering the case and how many factors are rated."""
    initiatives = covering_case(session, org_id=incident.organisation_id, incident=incident)
    return {
        "collective_initiatives": initiatives,
        "collective_rated": rated_counts(session, incident_id=incident.id),
        "collective_factors": len(FACTORS),
    }


def _page(
    request: Request,
    session: Session,
    vault: Vault,
    staff: Staff,
    incident_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.case
    )
    guides = case_guide(session, vault=vault, incident=incident, now=utcnow())
    raters = {j.rated_by for g in guides for _f, j in g.history if j.rated_by}
    names = {u.id: u.display_name for u in (session.get(User, i) for i in raters) if u}
    context = {
        "staff": staff,
        "incident": incident,
        "guides": guides,
        "factors": FACTORS,
        "ratings": RATINGS,
        "factor_label": factor_label,
        "rating_label": rating_label,
        "kind_label": kind_label,
        "raters": names,
        "typed": {},
        "typed_for": None,
        **extra,
    }
    return render(request, "staff/initiatives/guide.html", context, status)


@router.get("/staff/incidents/{incident_id}/collective-action", name="initiatives.guide")
def guide_page(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    incident_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    extra = {"notice": gettext(SAVED) if done == "saved" else None}
    return _page(request, session, vault, staff, incident_id, extra)


@router.post(
    "/staff/incidents/{incident_id}/collective-action/{initiative_id}",
    name="initiatives.rate",
)
async def guide_rate(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    incident_id: ObjectId,
    initiative_id: ObjectId,
) -> Response:
    form = await request.form()
    typed = {
        factor: FactorInput(
            str(form.get(f"{factor}_rating", ""))[:20], str(form.get(f"{factor}_reason", ""))[:4000]
        )
        for factor in FACTORS
    }
    try:
        with session.begin_nested():
            record_suitability(
                session,
                vault=vault,
                actor=staff.actor,
                incident_id=incident_id,
                initiative_id=initiative_id,
                factors=typed,
                now=utcnow(),
            )
    except Invalid as problem:
        session.expire_all()
        extra = {"error": gettext(str(problem)), "typed": typed, "typed_for": initiative_id}
        return _page(request, session, vault, staff, incident_id, extra, 422)
    return RedirectResponse(
        f"/staff/incidents/{incident_id}/collective-action?done=saved#initiative-{initiative_id}",
        303,
    )
