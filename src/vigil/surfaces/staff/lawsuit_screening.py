"""The screening page of one lawsuit: Vigil's hints per indicator with their evidence, the
analyst's current judgement per indicator with reasons, who and when, the form to judge, the
history, and the summary ("3 of 4 indicators judged met by the analyst on DATE").

The page says, and the code holds, that hints never set a judgement: only the form below
records one (``diligence.slapp.screening``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.accounts.models import User
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import N_, gettext
from vigil.diligence.slapp import screening, service
from vigil.diligence.slapp.hints import screening_hints
from vigil.diligence.slapp.screening import MAX_REASONING
from vigil.diligence.slapp.vocabulary import (
    ART_4_3,
    INDICATOR_LABELS,
    JUDGEMENT_LABELS,
    indicator_label,
    judgement_label,
)
from vigil.surfaces.gate import CurrentStaff, Staff
from vigil.surfaces.staff.lawsuits import Writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: Session,
    staff: Staff,
    lawsuit_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    row = service.get_lawsuit(session, org_id=staff.organisation_id, lawsuit_id=lawsuit_id)
    history = screening.judgement_history(session, lawsuit=row)
    judges = {j.judged_by for j in history if j.judged_by}
    query = select(User.id, User.display_name).where(User.id.in_(judges))
    names = {user_id: name for user_id, name in session.execute(query)} if judges else {}
    context = {
        "staff": staff,
        "lawsuit": row,
        "hints": screening_hints(session, lawsuit=row, today=utcnow().date()),
        "assessment": screening.assess(session, lawsuit=row),
        "history": history,
        "judges": names,
        "lettered": [i.value for i in ART_4_3],
        "indicators": [(code.value, gettext(text)) for code, text in INDICATOR_LABELS.items()],
        "judgement_choices": [(c.value, gettext(t)) for c, t in JUDGEMENT_LABELS.items()],
        "indicator_label": indicator_label,
        "judgement_label": judgement_label,
        "max_reasoning": MAX_REASONING,
        "typed": {},
        **extra,
    }
    return render(request, "staff/lawsuits/screening.html", context, status)


@router.get("/staff/lawsuits/{lawsuit_id}/screening", name="lawsuits.screening")
def screening_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    lawsuit_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    message = gettext(N_("Your judgement was recorded.")) if done == "judged" else None
    return _page(request, session, staff, lawsuit_id, {"notice": message})


@router.post("/staff/lawsuits/{lawsuit_id}/screening", name="lawsuits.judge")
def screening_judge(
    request: Request,
    session: DbSession,
    staff: Writer,
    lawsuit_id: ObjectId,
    indicator: Annotated[str, Form(max_length=20)] = "",
    judgement: Annotated[str, Form(max_length=10)] = "",
    reasoning: Annotated[str, Form(max_length=2 * MAX_REASONING)] = "",
) -> Response:
    try:
        with session.begin_nested():
            screening.record_judgement(
                session,
                actor=staff.actor,
                lawsuit_id=lawsuit_id,
                indicator=indicator,
                judgement=judgement,
                reasoning=reasoning,
                now=utcnow(),
            )
    except Invalid as problem:
        session.expire_all()
        typed = {"indicator": indicator, "judgement": judgement, "reasoning": reasoning}
        extra = {"error": gettext(str(problem)), "typed": typed}
        return _page(request, session, staff, lawsuit_id, extra, 422)
    return RedirectResponse(f"/staff/lawsuits/{lawsuit_id}/screening?done=judged", 303)
