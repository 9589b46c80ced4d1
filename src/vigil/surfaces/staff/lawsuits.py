"""Staff pages of SLAPP screening: the list of lawsuits with a form to record one, and one
lawsuit with its edit form, defendants, related proceedings, incidents, companies and
publication. The screening page is ``lawsuit_screening``.

Writers (coordinators, analysts) record and link; only coordinators publish (the domain asks
too). Plain forms that work without JavaScript; a refused form comes back with what was
typed and the reason, a successful one redirects (post/redirect/get)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.companies.models import Company
from vigil.companies.registry import search_companies
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_, gettext
from vigil.defenders.models import Defender
from vigil.diligence.slapp import service
from vigil.diligence.slapp.lawsuit_input import LawsuitInput, input_of
from vigil.diligence.slapp.vocabulary import (
    CLAIM_TYPE_LABELS,
    OUTCOME_LABELS,
    claim_type_label,
    outcome_label,
)
from vigil.incidents.models import Incident
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.surfaces.staff.company_match import country_options
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
#: How many defenders, incidents and lawsuits the link forms offer.
MAX_CHOICES = 300
Line = Annotated[str, Form(max_length=600)]

NOTICES = {
    "created": N_("The lawsuit was recorded."),
    "saved": N_("The lawsuit was saved."),
    "defendant": N_("The defendants were changed."),
    "related": N_("The related proceedings were changed."),
    "incident": N_("The linked incidents were changed."),
    "company": N_("The linked companies were changed."),
    "published": N_("The lawsuit is on the public list of SLAPP cases."),
    "withdrawn": N_("The lawsuit was taken off the public list."),
}


def notice(done: str | None) -> str | None:
    message = NOTICES.get(done or "")
    return gettext(message) if message else None


def _common(staff: Staff) -> dict[str, Any]:
    return {
        "staff": staff,
        "may_publish": service.may_publish(staff.actor),
        "claim_types": [(code.value, gettext(text)) for code, text in CLAIM_TYPE_LABELS.items()],
        "outcomes": [(code.value, gettext(text)) for code, text in OUTCOME_LABELS.items()],
        "countries": country_options(),
        "claim_type_label": claim_type_label,
        "outcome_label": outcome_label,
    }


def _list_page(
    request: Request, session: Session, staff: Staff, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {
        **_common(staff),
        "lawsuits": service.list_lawsuits(session, org_id=staff.organisation_id),
        "form": LawsuitInput(),
        **extra,
    }
    return render(request, "staff/lawsuits/list.html", context, status)


@router.get("/staff/lawsuits", name="lawsuits.list")
def lawsuits_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return _list_page(request, session, staff, {})


def _lawsuit_form(
    claimant_name: Line = "",
    claimant_company_id: Annotated[str, Form(max_length=12)] = "",
    claimant_group_id: Annotated[str, Form(max_length=12)] = "",
    court: Line = "",
    case_number: Line = "",
    country: Annotated[str, Form(max_length=10)] = "",
    region: Annotated[str, Form(max_length=12)] = "",
    claim_type: Annotated[str, Form(max_length=40)] = "",
    claim_amount: Annotated[str, Form(max_length=40)] = "",
    currency: Annotated[str, Form(max_length=10)] = "",
    filed_on: Annotated[str, Form(max_length=12)] = "",
    decided_on: Annotated[str, Form(max_length=12)] = "",
    postponements: Annotated[str, Form(max_length=6)] = "0",
    outcome: Annotated[str, Form(max_length=40)] = "",
    notes: Annotated[str, Form(max_length=20_000)] = "",
) -> LawsuitInput:
    return LawsuitInput(
        claimant_name, claimant_company_id, claimant_group_id, court, case_number, country,
        region, claim_type, claim_amount, currency, filed_on, decided_on, postponements,
        outcome, notes,
    )  # fmt: skip


LawsuitForm = Annotated[LawsuitInput, Depends(_lawsuit_form)]


@router.post("/staff/lawsuits", name="lawsuits.create")
def lawsuit_create(
    request: Request, session: DbSession, staff: Writer, form: LawsuitForm
) -> Response:
    try:
        with session.begin_nested():
            row = service.create_lawsuit(session, actor=staff.actor, data=form)
    except Invalid as problem:
        extra = {"error": gettext(str(problem)), "form": form}
        return _list_page(request, session, staff, extra, 422)
    return RedirectResponse(f"/staff/lawsuits/{row.id}?done=created", 303)


def _choices(session: Session, staff: Staff, row: Any) -> dict[str, Any]:
    org_id = staff.organisation_id
    defenders = session.scalars(
        select(Defender)
        .where(Defender.organisation_id == org_id, Defender.forgotten_at.is_(None))
        .order_by(Defender.alias, Defender.id)
        .limit(MAX_CHOICES)
    )
    incidents = session.execute(
        select(Incident.id, Incident.title)
        .where(Incident.organisation_id == org_id)
        .order_by(Incident.id.desc())
        .limit(MAX_CHOICES)
    )
    others = [x for x in service.list_lawsuits(session, org_id=org_id) if x.id != row.id]
    return {
        "defender_choices": list(defenders),
        "incident_choices": [(i.id, f"#{i.id} {i.title}") for i in incidents],
        "related_choices": [
            (x.id, f"{x.claimant_name} · {x.country} · {x.filed_on or ''}")
            for x in others[:MAX_CHOICES]
        ],
    }


def _linked(session: Session, row: Any) -> dict[str, Any]:
    defendants = service.defendants(session, lawsuit=row)
    aliases = {
        d.id: d.alias
        for d in session.scalars(
            select(Defender).where(Defender.id.in_([x.defender_id for x in defendants]))
        )
    }
    related = service.related_ids(session, lawsuit_id=row.id)
    incident_ids = service.incident_ids(session, lawsuit_id=row.id)
    company_ids = service.company_ids(session, lawsuit_id=row.id)
    return {
        "defendants": defendants,
        "aliases": aliases,
        "related": [service.get_lawsuit(session, org_id=row.organisation_id, lawsuit_id=i)
                    for i in sorted(related)],
        "incidents": [session.get(Incident, i) for i in incident_ids],
        "companies": [session.get(Company, i) for i in company_ids],
        "claimant_company": session.get(Company, row.claimant_company_id)
        if row.claimant_company_id else None,
        "claimant_group": session.get(Company, row.claimant_group_id)
        if row.claimant_group_id else None,
    }  # fmt: skip


def lawsuit_page_response(
    request: Request,
    session: Session,
    staff: Staff,
    lawsuit_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    row = service.get_lawsuit(session, org_id=staff.organisation_id, lawsuit_id=lawsuit_id)
    query = extra.pop("company_q", "")
    context = {
        **_common(staff),
        "lawsuit": row,
        "form": input_of(row),
        "company_q": query,
        "found": search_companies(session, query=query, per_page=20).items if query else [],
        **_linked(session, row),
        "typed_defender": None,
        "typed_description": "",
        **(_choices(session, staff, row) if staff.can_write else {}),
        **extra,
    }
    return render(request, "staff/lawsuits/read.html", context, status)


@router.get("/staff/lawsuits/{lawsuit_id}", name="lawsuits.read")
def lawsuit_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    lawsuit_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
    company_q: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    extra = {"notice": notice(done), "company_q": company_q}
    return lawsuit_page_response(request, session, staff, lawsuit_id, extra)


def _again(
    request: Request, session: Session, staff: Staff, lawsuit_id: int, problem: Exception, **more
) -> Response:
    session.expire_all()
    extra = {"error": gettext(str(problem)), **more}
    return lawsuit_page_response(request, session, staff, lawsuit_id, extra, 422)


@router.post("/staff/lawsuits/{lawsuit_id}", name="lawsuits.update")
def lawsuit_update(
    request: Request, session: DbSession, staff: Writer, lawsuit_id: ObjectId, form: LawsuitForm
) -> Response:
    try:
        with session.begin_nested():
            service.update_lawsuit(session, actor=staff.actor, lawsuit_id=lawsuit_id, data=form)
    except Invalid as problem:
        return _again(request, session, staff, lawsuit_id, problem, form=form)
    return RedirectResponse(f"/staff/lawsuits/{lawsuit_id}?done=saved", 303)


@router.post("/staff/lawsuits/{lawsuit_id}/defendants", name="lawsuits.defendant")
def lawsuit_defendant(
    request: Request,
    session: DbSession,
    staff: Writer,
    lawsuit_id: ObjectId,
    defender_id: Annotated[int, Form(ge=0, le=2_147_483_647)] = 0,
    description: Line = "",
    remove: Annotated[int, Form(ge=0, le=2_147_483_647)] = 0,
) -> Response:
    try:
        with session.begin_nested():
            if remove:
                service.remove_defendant(
                    session, actor=staff.actor, lawsuit_id=lawsuit_id, link_id=remove
                )
            else:
                service.add_defendant(
                    session,
                    actor=staff.actor,
                    lawsuit_id=lawsuit_id,
                    defender_id=defender_id,
                    description=description,
                )
    except (Invalid, Conflict) as problem:
        typed = {"typed_description": description, "typed_defender": defender_id}
        return _again(request, session, staff, lawsuit_id, problem, **typed)
    return RedirectResponse(f"/staff/lawsuits/{lawsuit_id}?done=defendant#defendants", 303)


LINKERS = {
    "related": (service.link_related, "other_id"),
    "incidents": (service.link_incident, "incident_id"),
    "companies": (service.link_company, "company_id"),
}
DONE_OF = {"related": "related", "incidents": "incident", "companies": "company"}


@router.post("/staff/lawsuits/{lawsuit_id}/links/{what}", name="lawsuits.link")
def lawsuit_link(
    request: Request,
    session: DbSession,
    staff: Writer,
    lawsuit_id: ObjectId,
    what: Annotated[str, Path(max_length=20)],
    target_id: Annotated[str, Form(max_length=12)] = "",
    action: Annotated[str, Form(max_length=10)] = "link",
) -> Response:
    """One form for the three kinds of link: the id of the other lawsuit, the incident or
    the registry company, and whether to link or unlink it."""
    if what not in LINKERS:
        return Response(status_code=404)
    link, keyword = LINKERS[what]
    try:
        if not target_id.strip().isdigit():
            raise Invalid(N_("Choose what to link."))
        with session.begin_nested():
            link(
                session,
                actor=staff.actor,
                lawsuit_id=lawsuit_id,
                linked=action != "unlink",
                **{keyword: int(target_id)},
            )
    except (Invalid, Conflict) as problem:
        return _again(request, session, staff, lawsuit_id, problem)
    return RedirectResponse(f"/staff/lawsuits/{lawsuit_id}?done={DONE_OF[what]}#{what}", 303)


@router.post("/staff/lawsuits/{lawsuit_id}/publication", name="lawsuits.publish")
def lawsuit_publish(
    request: Request,
    session: DbSession,
    staff: Writer,
    lawsuit_id: ObjectId,
    published: Annotated[str, Form(max_length=5)] = "yes",
) -> Response:
    try:
        with session.begin_nested():
            service.set_published(
                session,
                actor=staff.actor,
                lawsuit_id=lawsuit_id,
                published=published == "yes",
                now=utcnow(),
            )
    except Conflict as problem:
        return _again(request, session, staff, lawsuit_id, problem)
    done = "published" if published == "yes" else "withdrawn"
    return RedirectResponse(f"/staff/lawsuits/{lawsuit_id}?done={done}", 303)
