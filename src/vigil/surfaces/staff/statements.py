"""Staff pages of collective statements: the list with a form to draft one, and one statement
with its text, its invitees (who signed, declined or did not answer, and the signer's name,
which only staff see), and the buttons to invite, remind, publish and withdraw.

Writers (coordinators and analysts) draft and invite; only coordinators publish or withdraw
(``statements.common.require_publisher``, asked by the domain as well). A refused form comes
back with what was typed. Included by the staff surface (``vigil.surfaces.staff``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.contacts.models import Contact
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import LOCALE_NAMES, N_, gettext
from vigil.statements import service
from vigil.statements.common import MAX_BODY, MAX_NAME, MAX_TITLE, may_publish
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]
#: How many directory contacts the invite form lists.
MAX_CHOICES = 500

NOTICES = {
    "created": N_("The statement was drafted."),
    "saved": N_("The statement was saved."),
    "added": N_("The invitees were added; send the invitations when the text is ready."),
    "sent": N_("The invitations were queued for sending."),
    "reminded": N_("The reminders were queued for sending."),
    "revoked": N_("The invitation was taken back; its link no longer works."),
    "published": N_("The statement was published."),
    "withdrawn": N_("The statement was withdrawn from the public pages."),
}
STATES = {
    "pending": N_("asked"),
    "signed": N_("signed"),
    "declined": N_("declined"),
    "withdrawn": N_("signature withdrawn"),
    "revoked": N_("invitation taken back"),
    "draft": N_("draft"),
    "published": N_("published"),
}


def notice(done: str | None) -> str | None:
    message = NOTICES.get(done or "")
    return gettext(message) if message else None


def state_label(state: str) -> str:
    return gettext(STATES[state]) if state in STATES else state


def directory(session: Session, *, org_id: int) -> list[Contact]:
    query = select(Contact).where(Contact.organisation_id == org_id)
    order = (Contact.organisation_name, Contact.name, Contact.id)
    return list(session.scalars(query.order_by(*order).limit(MAX_CHOICES)))


def _common(staff: Staff) -> dict[str, Any]:
    return {
        "staff": staff,
        "languages": LOCALE_NAMES,
        "may_publish": may_publish(staff.actor),
        "state_label": state_label,
        "max_title": MAX_TITLE,
        "max_body": MAX_BODY,
        "max_name": MAX_NAME,
    }


def _list_page(
    request: Request, session: Session, staff: Staff, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {
        **_common(staff),
        "statements": service.list_statements(session, org_id=staff.organisation_id),
        "form": service.StatementInput(),
        **extra,
    }
    return render(request, "staff/statements/list.html", context, status)


@router.get("/staff/statements", name="statements.list")
def statements_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return _list_page(request, session, staff, {})


def _statement_form(
    title: Annotated[str, Form(max_length=2 * MAX_TITLE)] = "",
    body: Annotated[str, Form(max_length=2 * MAX_BODY)] = "",
    language: Annotated[str, Form(max_length=5)] = "en",
    country: Annotated[str, Form(max_length=10)] = "",
    region: Annotated[str, Form(max_length=2 * MAX_NAME)] = "",
    sector: Annotated[str, Form(max_length=2 * MAX_NAME)] = "",
    company: Annotated[str, Form(max_length=2 * MAX_TITLE)] = "",
) -> service.StatementInput:
    return service.StatementInput(title, body, language, country, region, sector, company)


StatementForm = Annotated[service.StatementInput, Depends(_statement_form)]


@router.post("/staff/statements", name="statements.create")
def statement_create(
    request: Request, session: DbSession, staff: Writer, form: StatementForm
) -> Response:
    try:
        with session.begin_nested():
            row = service.create_statement(
                session, org_id=staff.organisation_id, data=form, actor_user_id=staff.user_id
            )
    except Invalid as problem:
        return _list_page(
            request, session, staff, {"error": gettext(str(problem)), "form": form}, 422
        )
    return RedirectResponse(f"/staff/statements/{row.id}?done=created", 303)


def _statement_page(
    request: Request,
    session: Session,
    staff: Staff,
    statement_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    org_id = staff.organisation_id
    row = service.get_statement(session, org_id=org_id, statement_id=statement_id)
    invitations = service.invitations(session, statement=row)
    contacts = {c.id: c for c in directory(session, org_id=org_id)}
    for invitation in invitations:
        if invitation.contact_id not in contacts:
            contacts[invitation.contact_id] = session.get(Contact, invitation.contact_id)
    invited = {i.contact_id for i in invitations}
    context = {
        **_common(staff),
        "statement": row,
        "invitations": invitations,
        "contacts": contacts,
        "choices": [c for c in contacts.values() if c is not None and c.id not in invited],
        "form": service.StatementInput(
            row.title,
            row.body,
            row.language,
            row.country or "",
            row.region,
            row.sector,
            row.company,
        ),
        **extra,
    }
    return render(request, "staff/statements/read.html", context, status)


@router.get("/staff/statements/{statement_id}", name="statements.read")
def statement_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    statement_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _statement_page(request, session, staff, statement_id, {"notice": notice(done)})


def _again(
    request: Request, session: Session, staff: Staff, statement_id: int, problem: Exception, **more
) -> Response:
    session.expire_all()
    extra = {"error": gettext(str(problem)), "found": getattr(problem, "findings", []), **more}
    return _statement_page(request, session, staff, statement_id, extra, 422)


@router.post("/staff/statements/{statement_id}", name="statements.update")
def statement_update(
    request: Request, session: DbSession, staff: Writer, statement_id: ObjectId, form: StatementForm
) -> Response:
    try:
        with session.begin_nested():
            service.update_statement(
                session,
                org_id=staff.organisation_id,
                statement_id=statement_id,
                data=form,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as problem:
        return _again(request, session, staff, statement_id, problem, form=form)
    return RedirectResponse(f"/staff/statements/{statement_id}?done=saved", 303)


@router.post("/staff/statements/{statement_id}/invitees", name="statements.invitees")
def statement_invitees(
    request: Request,
    session: DbSession,
    staff: Writer,
    statement_id: ObjectId,
    contact_ids: Annotated[list[int], Form(max_length=MAX_CHOICES)] = [],  # noqa: B006
) -> Response:
    try:
        with session.begin_nested():
            service.add_invitees(
                session,
                org_id=staff.organisation_id,
                statement_id=statement_id,
                contact_ids=contact_ids,
                actor_user_id=staff.user_id,
            )
    except Conflict as problem:
        return _again(request, session, staff, statement_id, problem)
    return RedirectResponse(f"/staff/statements/{statement_id}?done=added", 303)


@router.post("/staff/statements/{statement_id}/send", name="statements.send")
def statement_send(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    vault: RequestVault,
    staff: Writer,
    statement_id: ObjectId,
    reminder: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    try:
        with session.begin_nested():
            service.send_invitations(
                session,
                vault,
                settings,
                org_id=staff.organisation_id,
                statement_id=statement_id,
                actor_user_id=staff.user_id,
                now=utcnow(),
                reminder=reminder == "yes",
            )
    except Conflict as problem:
        return _again(request, session, staff, statement_id, problem)
    done = "reminded" if reminder == "yes" else "sent"
    return RedirectResponse(f"/staff/statements/{statement_id}?done={done}", 303)


@router.post(
    "/staff/statements/{statement_id}/invitations/{invitation_id}/revoke",
    name="statements.revoke",
)
def invitation_revoke(
    request: Request,
    session: DbSession,
    staff: Writer,
    statement_id: ObjectId,
    invitation_id: ObjectId,
) -> Response:
    service.get_statement(session, org_id=staff.organisation_id, statement_id=statement_id)
    try:
        with session.begin_nested():
            service.revoke_invitation(
                session,
                org_id=staff.organisation_id,
                invitation_id=invitation_id,
                actor_user_id=staff.user_id,
                now=utcnow(),
            )
    except Conflict as problem:
        return _again(request, session, staff, statement_id, problem)
    return RedirectResponse(f"/staff/statements/{statement_id}?done=revoked", 303)


@router.post("/staff/statements/{statement_id}/publish", name="statements.publish")
def statement_publish(
    request: Request, session: DbSession, vault: RequestVault, staff: Writer, statement_id: ObjectId
) -> Response:
    try:
        with session.begin_nested():
            service.publish_statement(
                session, vault, actor=staff.actor, statement_id=statement_id, now=utcnow()
            )
    except (Invalid, Conflict) as problem:
        return _again(request, session, staff, statement_id, problem)
    return RedirectResponse(f"/staff/statements/{statement_id}?done=published", 303)


@router.post("/staff/statements/{statement_id}/withdraw", name="statements.withdraw")
def statement_withdraw(
    request: Request, session: DbSession, staff: Writer, statement_id: ObjectId
) -> Response:
    try:
        with session.begin_nested():
            service.withdraw_statement(
                session, actor=staff.actor, statement_id=statement_id, now=utcnow()
            )
    except Conflict as problem:
        return _again(request, session, staff, statement_id, problem)
    return RedirectResponse(f"/staff/statements/{statement_id}?done=withdrawn", 303)
