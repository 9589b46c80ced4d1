"""Staff pages of the collective-action directory: the list with a form to record an
initiative, and one initiative with its scope, contact route, members and past interventions.

Writers (coordinators and analysts) record; only coordinators publish (asked by the domain as
well). A refused form comes back with what was typed. The suitability guide for a case is
``case_collective``. Included by the staff surface (``vigil.surfaces.staff``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.core.i18n import N_, gettext
from vigil.diligence.collective import service
from vigil.diligence.collective.models import InitiativeKind
from vigil.diligence.scope import sector_terms
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
#: How many directory contacts the contact-route menu lists.
MAX_CHOICES = 500

KIND_LABELS = {
    InitiativeKind.multi_stakeholder: N_("Multi-stakeholder initiative"),
    InitiativeKind.business_network: N_("Business network"),
    InitiativeKind.worker_driven: N_("Worker-driven programme"),
}
NOTICES = {
    "created": N_("The initiative was recorded."),
    "saved": N_("The initiative was saved."),
    "member": N_("The member was saved."),
    "removed": N_("The member was removed."),
    "intervention": N_("The intervention was recorded."),
    "published": N_("The initiative is published."),
    "unpublished": N_("The initiative is no longer published."),
}


def kind_label(code: str) -> str:
    return gettext(KIND_LABELS[code]) if code in KIND_LABELS else code


def _optional_int(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise Invalid(N_("Choose from the list."))
    return int(text)


def _optional_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise Invalid(N_("Dates are written YYYY-MM-DD.")) from None


def _initiative_form(
    name: Annotated[str, Form(max_length=600)] = "",
    kind: Annotated[str, Form(max_length=30)] = "multi_stakeholder",
    convenor: Annotated[str, Form(max_length=600)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    website: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=500)] = "",
    contact_id: Annotated[str, Form(max_length=12)] = "",
    countries: Annotated[str, Form(max_length=2000)] = "",
    sectors: Annotated[list[str], Form(max_length=50)] = [],  # noqa: B006
) -> tuple[service.InitiativeInput, str]:
    """The typed form, and the contact field as typed (checked when saving)."""
    data = service.InitiativeInput(
        name, kind, convenor, description, website, email, None, countries, tuple(sectors)
    )
    return data, contact_id


InitiativeForm = Annotated[tuple[service.InitiativeInput, str], Depends(_initiative_form)]


def _with_contact(form: tuple[service.InitiativeInput, str]) -> service.InitiativeInput:
    data, contact = form
    return service.InitiativeInput(**{**data.__dict__, "contact_id": _optional_int(contact)})


def _common(session: Session, staff: Staff) -> dict[str, Any]:
    contacts = session.scalars(
        select(Contact)
        .where(Contact.organisation_id == staff.organisation_id)
        .order_by(Contact.organisation_name, Contact.name, Contact.id)
        .limit(MAX_CHOICES)
    )
    return {
        "staff": staff,
        "kinds": KIND_LABELS,
        "kind_label": kind_label,
        "sector_terms": sector_terms(session),
        "contacts": list(contacts),
    }


def _list_page(
    request: Request, session: Session, staff: Staff, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {
        **_common(session, staff),
        "initiatives": service.list_initiatives(session, org_id=staff.organisation_id),
        "form": service.InitiativeInput(),
        "form_contact": "",
        **extra,
    }
    return render(request, "staff/initiatives/list.html", context, status)


@router.get("/staff/initiatives", name="initiatives.list")
def initiatives_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return _list_page(request, session, staff, {})


@router.post("/staff/initiatives", name="initiatives.create")
def initiative_create(
    request: Request, session: DbSession, staff: Writer, form: InitiativeForm
) -> Response:
    try:
        with session.begin_nested():
            row = service.create_initiative(
                session,
                org_id=staff.organisation_id,
                data=_with_contact(form),
                actor_user_id=staff.user_id,
            )
    except Invalid as problem:
        extra = {"error": gettext(str(problem)), "form": form[0], "form_contact": form[1]}
        return _list_page(request, session, staff, extra, 422)
    return RedirectResponse(f"/staff/initiatives/{row.id}?done=created", 303)


def _read_page(
    request: Request,
    session: Session,
    staff: Staff,
    initiative_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    row = service.get_initiative(session, org_id=staff.organisation_id, initiative_id=initiative_id)
    countries, sectors = service.scope_of(session, row.id)
    context = {
        **_common(session, staff),
        "initiative": row,
        "members": service.members(session, initiative_id=row.id),
        "interventions": service.interventions(session, initiative_id=row.id),
        "form": service.InitiativeInput(
            row.name,
            row.kind,
            row.convenor,
            row.description,
            row.website,
            row.email,
            row.contact_id,
            " ".join(countries),
            tuple(sectors),
        ),
        "form_contact": str(row.contact_id or ""),
        "member_form": {},
        "intervention_form": {},
        "may_publish": staff.role == "coordinator",
        **extra,
    }
    return render(request, "staff/initiatives/read.html", context, status)


@router.get("/staff/initiatives/{initiative_id}", name="initiatives.read")
def initiative_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    initiative_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    message = NOTICES.get(done or "")
    extra = {"notice": gettext(message) if message else None}
    return _read_page(request, session, staff, initiative_id, extra)


def _again(
    request: Request, session: Session, staff: Staff, initiative_id: int, problem: Exception, **more
) -> Response:
    session.expire_all()
    extra = {"error": gettext(str(problem)), **more}
    return _read_page(request, session, staff, initiative_id, extra, 422)


@router.post("/staff/initiatives/{initiative_id}", name="initiatives.update")
def initiative_update(
    request: Request,
    session: DbSession,
    staff: Writer,
    initiative_id: ObjectId,
    form: InitiativeForm,
) -> Response:
    try:
        with session.begin_nested():
            service.update_initiative(
                session,
                org_id=staff.organisation_id,
                initiative_id=initiative_id,
                data=_with_contact(form),
                actor_user_id=staff.user_id,
            )
    except Invalid as problem:
        more = {"form": form[0], "form_contact": form[1]}
        return _again(request, session, staff, initiative_id, problem, **more)
    return RedirectResponse(f"/staff/initiatives/{initiative_id}?done=saved", 303)


@router.post("/staff/initiatives/{initiative_id}/members", name="initiatives.member")
def member_add(
    request: Request,
    session: DbSession,
    staff: Writer,
    initiative_id: ObjectId,
    company_id: Annotated[str, Form(max_length=12)] = "",
    role: Annotated[str, Form(max_length=400)] = "",
    since: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    typed = {"company_id": company_id, "role": role, "since": since}
    try:
        with session.begin_nested():
            company = _optional_int(company_id)
            if company is None:
                raise Invalid(N_("Choose a company of the registry."))
            service.add_member(
                session,
                org_id=staff.organisation_id,
                initiative_id=initiative_id,
                company_id=company,
                role=role,
                since=_optional_date(since),
                actor_user_id=staff.user_id,
            )
    except Invalid as problem:
        return _again(request, session, staff, initiative_id, problem, member_form=typed)
    return RedirectResponse(f"/staff/initiatives/{initiative_id}?done=member#members-h", 303)


@router.post(
    "/staff/initiatives/{initiative_id}/members/{member_id}/remove", name="initiatives.unmember"
)
def member_remove(
    session: DbSession, staff: Writer, initiative_id: ObjectId, member_id: ObjectId
) -> Response:
    service.remove_member(
        session,
        org_id=staff.organisation_id,
        initiative_id=initiative_id,
        member_id=member_id,
        actor_user_id=staff.user_id,
    )
    return RedirectResponse(f"/staff/initiatives/{initiative_id}?done=removed#members-h", 303)


@router.post("/staff/initiatives/{initiative_id}/interventions", name="initiatives.intervention")
def intervention_add(
    request: Request,
    session: DbSession,
    staff: Writer,
    initiative_id: ObjectId,
    occurred_on: Annotated[str, Form(max_length=20)] = "",
    country: Annotated[str, Form(max_length=10)] = "",
    action: Annotated[str, Form(max_length=20_000)] = "",
    outcome: Annotated[str, Form(max_length=20_000)] = "",
    source_url: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    typed = {
        "occurred_on": occurred_on,
        "country": country,
        "action": action,
        "outcome": outcome,
        "source_url": source_url,
    }
    try:
        with session.begin_nested():
            data = service.InterventionInput(
                _optional_date(occurred_on), country, action, outcome, source_url
            )
            service.add_intervention(
                session,
                org_id=staff.organisation_id,
                initiative_id=initiative_id,
                data=data,
                actor_user_id=staff.user_id,
                today=utcnow().date(),
            )
    except Invalid as problem:
        return _again(request, session, staff, initiative_id, problem, intervention_form=typed)
    return RedirectResponse(
        f"/staff/initiatives/{initiative_id}?done=intervention#interventions-h", 303
    )


@router.post("/staff/initiatives/{initiative_id}/publish", name="initiatives.publish")
def initiative_publish(
    session: DbSession,
    staff: Writer,
    initiative_id: ObjectId,
    published: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    service.set_initiative_published(
        session, actor=staff.actor, initiative_id=initiative_id, published=published == "yes"
    )
    done = "published" if published == "yes" else "unpublished"
    return RedirectResponse(f"/staff/initiatives/{initiative_id}?done={done}", 303)
