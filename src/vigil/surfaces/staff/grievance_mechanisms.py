"""Staff pages of grievance mechanisms: the list with a form to record one, and one
mechanism with its details, yearly statistics, UNGP 31 assessments (all eight criteria at
once, each with its evidence) and publication.

Writers record; only coordinators publish (asked by the domain as well). A refused form comes
back with what was typed. Included by the staff surface (``vigil.surfaces.staff``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import N_, gettext
from vigil.diligence.collective.service import list_initiatives
from vigil.diligence.grievance import service
from vigil.diligence.grievance.criteria import (
    CHANNELS,
    CRITERIA,
    CRITERIA_HELP,
    KINDS,
    RATINGS,
    label,
)
from vigil.diligence.grievance.register import owner_name
from vigil.diligence.scope import sector_terms
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
BASE = "/staff/grievance-mechanisms"
NUMBER_ERROR = N_("Counts and days must be whole numbers, 0 or more, left empty if unknown.")
NOTICES = {
    "created": N_("The mechanism was recorded."),
    "saved": N_("The mechanism was saved."),
    "statistic": N_("The year's figures were saved."),
    "assessed": N_("The assessment was recorded."),
    "published": N_("The mechanism is published."),
    "unpublished": N_("The mechanism is no longer published."),
}
ANONYMOUS = {"yes": True, "no": False}


def _number(text: str, *, error: str = NUMBER_ERROR) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise Invalid(error)
    return int(text)


def _mechanism_form(
    name: Annotated[str, Form(max_length=600)] = "",
    kind: Annotated[str, Form(max_length=20)] = "company",
    owner_company_id: Annotated[str, Form(max_length=12)] = "",
    owner_initiative_id: Annotated[str, Form(max_length=12)] = "",
    owner_institution: Annotated[str, Form(max_length=600)] = "",
    procedures: Annotated[str, Form(max_length=40_000)] = "",
    languages: Annotated[str, Form(max_length=600)] = "",
    channels: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006
    accepts_anonymous: Annotated[str, Form(max_length=10)] = "",
    website: Annotated[str, Form(max_length=1000)] = "",
    countries: Annotated[str, Form(max_length=2000)] = "",
    sectors: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006
) -> dict[str, Any]:
    """The form as typed (ids as text, so they come back exactly on error)."""
    return {
        "name": name,
        "kind": kind,
        "owner_company_id": owner_company_id,
        "owner_initiative_id": owner_initiative_id,
        "owner_institution": owner_institution,
        "procedures": procedures,
        "languages": languages,
        "channels": tuple(channels),
        "accepts_anonymous": accepts_anonymous,
        "website": website,
        "countries": countries,
        "sectors": tuple(sectors),
    }


MechanismForm = Annotated[dict[str, Any], Depends(_mechanism_form)]


def _input(typed: dict[str, Any]) -> service.MechanismInput:
    return service.MechanismInput(
        **{
            **typed,
            "owner_company_id": _number(typed["owner_company_id"], error=service.OWNER_ERROR),
            "owner_initiative_id": _number(typed["owner_initiative_id"], error=service.OWNER_ERROR),
            "accepts_anonymous": ANONYMOUS.get(typed["accepts_anonymous"]),
        }
    )


def _typed_from(session: Session, row: Any) -> dict[str, Any]:
    countries, sectors = service.mechanism_scope(session, row.id)
    anonymous = {True: "yes", False: "no"}.get(row.accepts_anonymous, "")
    return {
        "name": row.name,
        "kind": row.kind,
        "owner_company_id": str(row.owner_company_id or ""),
        "owner_initiative_id": str(row.owner_initiative_id or ""),
        "owner_institution": row.owner_institution,
        "procedures": row.procedures,
        "languages": row.languages,
        "channels": tuple(row.channels.split()),
        "accepts_anonymous": anonymous,
        "website": row.website,
        "countries": " ".join(countries),
        "sectors": tuple(sectors),
    }


def _common(session: Session, staff: Staff) -> dict[str, Any]:
    return {
        "staff": staff,
        "kinds": KINDS,
        "channels": CHANNELS,
        "criteria": CRITERIA,
        "criteria_help": CRITERIA_HELP,
        "ratings": RATINGS,
        "label": label,
        "sector_terms": sector_terms(session),
        "initiatives": list_initiatives(session, org_id=staff.organisation_id),
    }


def _list_page(
    request: Request, session: Session, staff: Staff, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {
        **_common(session, staff),
        "mechanisms": service.list_mechanisms(session, org_id=staff.organisation_id),
        "form": _mechanism_form(),
        **extra,
    }
    return render(request, "staff/grievance/list.html", context, status)


@router.get(BASE, name="grievance.list")
def mechanisms_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return _list_page(request, session, staff, {})


@router.post(BASE, name="grievance.create")
def mechanism_create(
    request: Request, session: DbSession, staff: Writer, form: MechanismForm
) -> Response:
    try:
        with session.begin_nested():
            row = service.create_mechanism(
                session,
                org_id=staff.organisation_id,
                data=_input(form),
                actor_user_id=staff.user_id,
            )
    except Invalid as problem:
        extra = {"error": gettext(str(problem)), "form": form}
        return _list_page(request, session, staff, extra, 422)
    return RedirectResponse(f"{BASE}/{row.id}?done=created", 303)


def _read_page(
    request: Request,
    session: Session,
    staff: Staff,
    mechanism_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    row = service.get_mechanism(session, org_id=staff.organisation_id, mechanism_id=mechanism_id)
    context = {
        **_common(session, staff),
        "mechanism": row,
        "owner": owner_name(session, row),
        "statistics": service.statistics(session, mechanism_id=row.id),
        "assessments": service.assessments(session, mechanism_id=row.id),
        "form": _typed_from(session, row),
        "stat_form": {},
        "rating_form": {},
        "may_publish": staff.role == "coordinator",
        **extra,
    }
    return render(request, "staff/grievance/read.html", context, status)


@router.get(BASE + "/{mechanism_id}", name="grievance.read")
def mechanism_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    mechanism_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    message = NOTICES.get(done or "")
    extra = {"notice": gettext(message) if message else None}
    return _read_page(request, session, staff, mechanism_id, extra)


def _again(
    request: Request, session: Session, staff: Staff, mechanism_id: int, problem: Exception, **more
) -> Response:
    session.expire_all()
    extra = {"error": gettext(str(problem)), **more}
    return _read_page(request, session, staff, mechanism_id, extra, 422)


@router.post(BASE + "/{mechanism_id}", name="grievance.update")
def mechanism_update(
    request: Request, session: DbSession, staff: Writer, mechanism_id: ObjectId, form: MechanismForm
) -> Response:
    try:
        with session.begin_nested():
            service.update_mechanism(
                session,
                org_id=staff.organisation_id,
                mechanism_id=mechanism_id,
                data=_input(form),
                actor_user_id=staff.user_id,
            )
    except Invalid as problem:
        return _again(request, session, staff, mechanism_id, problem, form=form)
    return RedirectResponse(f"{BASE}/{mechanism_id}?done=saved", 303)


@router.post(BASE + "/{mechanism_id}/statistics", name="grievance.statistic")
async def statistic_record(
    request: Request, session: DbSession, staff: Writer, mechanism_id: ObjectId
) -> Response:
    form = await request.form()
    names = ("year", "received", "admissible", "resolved", "remedy_provided", "median_days")
    typed = {n: str(form.get(n, ""))[:12] for n in (*names, "source_url")}
    typed["source_url"] = str(form.get("source_url", ""))[:4000]
    try:
        with session.begin_nested():
            numbers = {n: _number(typed[n]) for n in names}
            service.record_statistic(
                session,
                org_id=staff.organisation_id,
                mechanism_id=mechanism_id,
                data=service.StatisticInput(**numbers, source_url=typed["source_url"]),
                actor_user_id=staff.user_id,
                this_year=utcnow().year,
            )
    except Invalid as problem:
        return _again(request, session, staff, mechanism_id, problem, stat_form=typed)
    return RedirectResponse(f"{BASE}/{mechanism_id}?done=statistic#statistics-h", 303)


@router.post(BASE + "/{mechanism_id}/assessments", name="grievance.assess")
async def assessment_record(
    request: Request, session: DbSession, staff: Writer, mechanism_id: ObjectId
) -> Response:
    form = await request.form()
    typed = {
        code: service.CriterionInput(
            str(form.get(f"{code}_rating", ""))[:20],
            str(form.get(f"{code}_excerpt", ""))[:6000],
            str(form.get(f"{code}_url", ""))[:4000],
        )
        for code in CRITERIA
    }
    try:
        with session.begin_nested():
            service.record_assessment(
                session,
                org_id=staff.organisation_id,
                mechanism_id=mechanism_id,
                ratings=typed,
                assessed_on=utcnow().date(),
                actor_user_id=staff.user_id,
                assessor_name=staff.display_name,
            )
    except Invalid as problem:
        return _again(request, session, staff, mechanism_id, problem, rating_form=typed)
    return RedirectResponse(f"{BASE}/{mechanism_id}?done=assessed#assessments-h", 303)


@router.post(BASE + "/{mechanism_id}/publish", name="grievance.publish")
def mechanism_publish(
    session: DbSession,
    staff: Writer,
    mechanism_id: ObjectId,
    published: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    service.set_mechanism_published(
        session, actor=staff.actor, mechanism_id=mechanism_id, published=published == "yes"
    )
    done = "published" if published == "yes" else "unpublished"
    return RedirectResponse(f"{BASE}/{mechanism_id}?done={done}", 303)
