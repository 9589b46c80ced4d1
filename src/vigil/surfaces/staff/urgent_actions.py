"""Staff pages of urgent actions: analysts draft and edit; a coordinator ticks recipients,
publishes, publishes updates and the closure (``vigil.urgent_actions.service`` decides who
may do what and audits it). Plain forms that redirect back (JavaScript off works); a refusal
is the domain's error, shown by the app's error page."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from vigil.contacts.models import Contact
from vigil.core.errors import Invalid
from vigil.core.i18n import LOCALES
from vigil.surfaces.gate import CurrentStaff
from vigil.urgent_actions import service, standing
from vigil.web.deps import DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=20000)]


def _back(action_id: int) -> Response:
    return RedirectResponse(f"/staff/actions/{action_id}", status_code=303)


def _mailer(request: Request, vault: RequestVault) -> service.Mailer:
    settings = request.app.state.settings
    return service.Mailer(
        vault=vault, secret=settings.secret, base_url=str(settings.base_url).rstrip("/")
    )


@router.get("/staff/actions", name="urgent_actions.list")
def list_actions(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    actions = service.org_actions(session, actor=staff.actor)
    return render(request, "staff/urgent_actions/list.html", {"staff": staff, "actions": actions})


@router.post("/staff/actions", name="urgent_actions.draft")
def draft(
    session: DbSession,
    staff: CurrentStaff,
    incident_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
) -> Response:
    action = service.draft_action(session, actor=staff.actor, incident_id=incident_id)
    session.commit()
    return _back(action.id)


@router.get("/staff/actions/{action_id}", name="urgent_actions.read")
def read(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    action_id: ObjectId,
) -> Response:
    action = service.load_action(session, actor=staff.actor, action_id=action_id)
    # The public page follows what staff now see (the request's transaction commits it).
    standing.recheck_actions(
        session, mailer=_mailer(request, vault), incident_ids=[action.incident_id]
    )
    reason = standing.reason_of(session, action)
    contacts = session.scalars(
        select(Contact)
        .where(
            Contact.organisation_id == staff.organisation_id,
            Contact.email.is_not(None),
            Contact.opted_out_at.is_(None),
        )
        .order_by(Contact.organisation_name, Contact.id)
    ).all()
    ticked = {r.contact_id for r in action.recipients}
    context = {
        "staff": staff,
        "action": action,
        "contacts": contacts,
        "ticked": ticked,
        "locales": LOCALES,
        "is_coordinator": staff.role == "coordinator",
        "withheld_why": standing.WHY.get(reason, "") if reason else "",
    }
    return render(request, "staff/urgent_actions/read.html", context)


@router.post("/staff/actions/{action_id}/edit", name="urgent_actions.edit")
async def edit(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    action_id: ObjectId,
) -> Response:
    form = await request.form()
    asks = str(form.get("asks", ""))[:20000].splitlines()
    letters = {lang: str(form.get(f"letter_{lang}", ""))[:20000] for lang in LOCALES}
    raw_deadline = str(form.get("deadline", "")).strip()
    try:
        deadline = date.fromisoformat(raw_deadline) if raw_deadline else None
    except ValueError as error:
        raise Invalid("Give the deadline as a date.") from error
    service.edit_action(
        session,
        vault=vault,
        actor=staff.actor,
        action_id=action_id,
        asks=asks,
        letters=letters,
        deadline=deadline,
    )
    session.commit()
    return _back(action_id)


@router.post("/staff/actions/{action_id}/recipients", name="urgent_actions.recipients")
async def recipients(
    request: Request, session: DbSession, staff: CurrentStaff, action_id: ObjectId
) -> Response:
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("contact") if str(v).isdigit() and len(str(v)) < 11]
    service.set_recipients(session, actor=staff.actor, action_id=action_id, contact_ids=ids)
    session.commit()
    return _back(action_id)


@router.post("/staff/actions/{action_id}/publish", name="urgent_actions.publish")
def publish(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    action_id: ObjectId,
) -> Response:
    service.publish_action(session, _mailer(request, vault), actor=staff.actor, action_id=action_id)
    session.commit()
    return _back(action_id)


@router.post("/staff/actions/{action_id}/update", name="urgent_actions.update")
def update(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    action_id: ObjectId,
    note: Text,
) -> Response:
    service.publish_update(
        session, _mailer(request, vault), actor=staff.actor, action_id=action_id, note=note
    )
    session.commit()
    return _back(action_id)


@router.post("/staff/actions/{action_id}/close", name="urgent_actions.close")
def close(
    session: DbSession,
    vault: RequestVault,
    staff: CurrentStaff,
    action_id: ObjectId,
    outcome: Text = "",
) -> Response:
    service.close_action(
        session, vault=vault, actor=staff.actor, action_id=action_id, outcome=outcome
    )
    session.commit()
    return _back(action_id)
