"""Staff pages of the company HRD-policy rubric: a company's assessments (its history, the
current one marked), the criteria form to start or continue a draft, and publishing.

Analysts and coordinators write and publish; auditors read (the domain asks too). A refused
form comes back with everything typed and each mistake next to its field; the form is plain
HTML (JavaScript off works). Included by the staff surface (``vigil.surfaces.staff``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.accounts.models import User
from vigil.companies.registry import get_company
from vigil.core.db import utcnow
from vigil.core.i18n import N_, gettext
from vigil.diligence.policies import service
from vigil.diligence.policies.criteria import CRITERIA, applicable
from vigil.diligence.policies.models import AssessmentState, PolicyAssessment
from vigil.diligence.policies.scoring import breakdown, score_of
from vigil.diligence.policies.validation import (
    AssessmentInput,
    AssessmentInvalid,
    CriterionInput,
)
from vigil.organisations.models import Organisation
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]

NOTICES = {
    "created": N_("The draft assessment was saved."),
    "saved": N_("The draft assessment was saved."),
    "published": N_(
        "The assessment was published; it is the company's current one unless a later one exists."
    ),
}
STATES: dict[str, str] = {
    AssessmentState.draft: N_("draft"),
    AssessmentState.published: N_("published"),
}
MAX_FIELD = 4000


def state_label(state: str) -> str:
    return gettext(STATES.get(state, state))


async def assessment_form(request: Request) -> AssessmentInput:
    """The criteria form as typed (lengths capped before the domain checks them)."""
    form = await request.form()

    def value(name: str) -> str:
        return str(form.get(name, ""))[:MAX_FIELD]

    return AssessmentInput(
        policy_url=value("policy_url"),
        assessed_on=value("assessed_on"),
        tech_applies=value("tech_applies") == "1",
        criteria={
            c.code: CriterionInput(
                score=value(f"{c.code}.score"),
                excerpt=value(f"{c.code}.excerpt"),
                evidence_url=value(f"{c.code}.evidence_url"),
            )
            for c in CRITERIA
        },
    )


AssessmentForm = Annotated[AssessmentInput, Depends(assessment_form)]


def as_typed(row: PolicyAssessment) -> AssessmentInput:
    """A stored draft, in the shape of the form."""
    return AssessmentInput(
        policy_url=row.policy_url,
        assessed_on=row.assessed_on.isoformat(),
        tech_applies=row.tech_applies,
        criteria={
            s.criterion: CriterionInput(str(s.score), s.excerpt, s.evidence_url) for s in row.scores
        },
    )


def _names(session: Session, row: PolicyAssessment) -> dict[str, str]:
    organisation = session.get(Organisation, row.organisation_id)
    user = session.get(User, row.assessor_id) if row.assessor_id else None
    return {
        "organisation": organisation.name if organisation else "",
        "assessor": user.display_name if user else "",
    }


def _form_page(
    request: Request,
    session: Session,
    staff: Staff,
    *,
    company_id: int,
    row: PolicyAssessment | None,
    form: AssessmentInput,
    problems: dict[str, str] | None = None,
    status: int = 200,
    done: str | None = None,
) -> Response:
    company = get_company(session, company_id=company_id)
    decided = service.tech_from_sectors(company)
    tech_shown = form.tech_applies if decided is None else decided
    notice = NOTICES.get(done or "")
    context: dict[str, Any] = {
        "staff": staff,
        "company": company,
        "row": row,
        "form": form,
        "problems": {k: gettext(v) for k, v in (problems or {}).items()},
        "decided": decided,
        "criteria": CRITERIA if decided is None else applicable(tech=decided),
        "tech_shown": tech_shown,
        "today": utcnow().date().isoformat(),
        "notice": gettext(notice) if notice else None,
        "score": score_of(row) if row else None,
    }
    return render(request, "staff/policies/form.html", context, status)


@router.get("/staff/companies/{company_id}/policies", name="policies.history")
def history(
    request: Request, session: DbSession, staff: CurrentStaff, company_id: ObjectId
) -> Response:
    company = get_company(session, company_id=company_id)
    rows = service.company_history(session, org_id=staff.organisation_id, company_id=company_id)
    current = service.current_assessment(session, company_id=company_id)
    context = {
        "staff": staff,
        "company": company,
        "rows": [(row, score_of(row), _names(session, row)) for row in rows],
        "current_id": current.id if current else None,
        "state_label": state_label,
    }
    return render(request, "staff/policies/history.html", context)


@router.get("/staff/companies/{company_id}/policies/new", name="policies.new")
def new(request: Request, session: DbSession, staff: Writer, company_id: ObjectId) -> Response:
    form = AssessmentInput(assessed_on=utcnow().date().isoformat())
    return _form_page(request, session, staff, company_id=company_id, row=None, form=form)


@router.post("/staff/companies/{company_id}/policies", name="policies.create")
def create(
    request: Request, session: DbSession, staff: Writer, company_id: ObjectId, form: AssessmentForm
) -> Response:
    try:
        with session.begin_nested():
            row = service.start_assessment(
                session, actor=staff.actor, company_id=company_id, data=form, today=utcnow().date()
            )
    except AssessmentInvalid as problem:
        return _form_page(
            request,
            session,
            staff,
            company_id=company_id,
            row=None,
            form=form,
            problems=problem.problems,
            status=422,
        )
    return RedirectResponse(f"/staff/policies/{row.id}?done=created", 303)


@router.get("/staff/policies/{assessment_id}", name="policies.read")
def read(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    assessment_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    row = service.get_assessment(session, org_id=staff.organisation_id, assessment_id=assessment_id)
    editable = row.state == AssessmentState.draft and staff.can_write
    if editable:
        return _form_page(
            request,
            session,
            staff,
            company_id=row.company_id,
            row=row,
            form=as_typed(row),
            done=done,
        )
    notice = NOTICES.get(done or "")
    context = {
        "staff": staff,
        "row": row,
        "company": get_company(session, company_id=row.company_id),
        "score": score_of(row),
        "lines": breakdown(row),
        "names": _names(session, row),
        "state_label": state_label(row.state),
        "notice": gettext(notice) if notice else None,
    }
    return render(request, "staff/policies/read.html", context)


@router.post("/staff/policies/{assessment_id}", name="policies.save")
def save(
    request: Request,
    session: DbSession,
    staff: Writer,
    assessment_id: ObjectId,
    form: AssessmentForm,
) -> Response:
    row = service.get_assessment(session, org_id=staff.organisation_id, assessment_id=assessment_id)
    try:
        with session.begin_nested():
            service.save_assessment(
                session,
                actor=staff.actor,
                assessment_id=assessment_id,
                data=form,
                today=utcnow().date(),
            )
    except AssessmentInvalid as problem:
        return _form_page(
            request,
            session,
            staff,
            company_id=row.company_id,
            row=row,
            form=form,
            problems=problem.problems,
            status=422,
        )
    return RedirectResponse(f"/staff/policies/{assessment_id}?done=saved", 303)


@router.post("/staff/policies/{assessment_id}/publish", name="policies.publish")
def publish(
    request: Request, session: DbSession, staff: Writer, assessment_id: ObjectId
) -> Response:
    row = service.get_assessment(session, org_id=staff.organisation_id, assessment_id=assessment_id)
    try:
        with session.begin_nested():
            service.publish_assessment(
                session, actor=staff.actor, assessment_id=assessment_id, now=utcnow()
            )
    except AssessmentInvalid as problem:
        return _form_page(
            request,
            session,
            staff,
            company_id=row.company_id,
            row=row,
            form=as_typed(row),
            problems=problem.problems,
            status=422,
        )
    return RedirectResponse(f"/staff/policies/{assessment_id}?done=published", 303)
