"""Staff pages of dialogue spaces: the list with a form to create one, and one space with its
members, its reporting periods and the reports to review.

Writers create spaces and manage members; only coordinators open a period (it e-mails every
member) and publish or reject a report (``statements.common.require_publisher``). A refused
form comes back with what was typed. Included by the staff surface."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_, gettext
from vigil.statements import dialogues
from vigil.statements.common import MAX_BODY, MAX_NAME, MAX_TITLE, may_publish
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.surfaces.staff.statements import directory
from vigil.web.deps import AppSettings, DbSession, ObjectId, RequestVault
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]

NOTICES = {
    "created": N_("The dialogue space was created."),
    "saved": N_("The dialogue space was saved."),
    "member_added": N_("The member was added."),
    "member_removed": N_("The member was removed."),
    "opened": N_("The period was opened; the members' links were queued for sending."),
    "published": N_("The report was published."),
    "rejected": N_("The report was not published."),
}
REPORT_STATES = {
    "requested": N_("not reported"),
    "submitted": N_("to review"),
    "published": N_("published"),
    "rejected": N_("not published"),
}


def _notice(done: str | None) -> str | None:
    message = NOTICES.get(done or "")
    return gettext(message) if message else None


def _report_state(state: str) -> str:
    return gettext(REPORT_STATES[state]) if state in REPORT_STATES else state


def _limits(staff: Staff) -> dict[str, Any]:
    return {
        "staff": staff,
        "may_publish": may_publish(staff.actor),
        "max_title": MAX_TITLE,
        "max_body": MAX_BODY,
        "max_name": MAX_NAME,
    }


def _list_page(
    request: Request, session: Session, staff: Staff, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {
        **_limits(staff),
        "spaces": dialogues.list_spaces(session, org_id=staff.organisation_id),
        "typed": {},
        **extra,
    }
    return render(request, "staff/statements/dialogues.html", context, status)


@router.get("/staff/dialogues", name="dialogues.list")
def spaces_page(request: Request, session: DbSession, staff: CurrentStaff) -> Response:
    return _list_page(request, session, staff, {})


SpaceName = Annotated[str, Form(max_length=2 * MAX_TITLE)]
SpaceText = Annotated[str, Form(max_length=2 * MAX_BODY)]
SpaceRegion = Annotated[str, Form(max_length=2 * MAX_NAME)]


@router.post("/staff/dialogues", name="dialogues.create")
def space_create(
    request: Request,
    session: DbSession,
    staff: Writer,
    name: SpaceName = "",
    description: SpaceText = "",
    region: SpaceRegion = "",
) -> Response:
    typed = {"name": name, "description": description, "region": region}
    try:
        with session.begin_nested():
            space = dialogues.save_space(
                session, org_id=staff.organisation_id, actor_user_id=staff.user_id, **typed
            )
    except Invalid as problem:
        extra = {"error": gettext(str(problem)), "typed": typed}
        return _list_page(request, session, staff, extra, 422)
    return RedirectResponse(f"/staff/dialogues/{space.id}?done=created", 303)


def _space_page(
    request: Request,
    session: Session,
    staff: Staff,
    space_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    org_id = staff.organisation_id
    space = dialogues.get_space(session, org_id=org_id, space_id=space_id)
    members = dialogues.members(session, space=space)
    periods = dialogues.periods(session, space=space)
    by_period: dict[int, list] = {p.id: [] for p in periods}
    for report in dialogues.reports(session, period_ids=list(by_period)):
        by_period[report.period_id].append(report)
    member_ids = {m.contact_id for m in members}
    context = {
        **_limits(staff),
        "space": space,
        "members": members,
        "periods": periods,
        "reports": by_period,
        "report_state": _report_state,
        "choices": [c for c in directory(session, org_id=org_id) if c.id not in member_ids],
        "typed": {"name": space.name, "description": space.description, "region": space.region},
        **extra,
    }
    return render(request, "staff/statements/dialogue.html", context, status)


@router.get("/staff/dialogues/{space_id}", name="dialogues.read")
def space_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    space_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _space_page(request, session, staff, space_id, {"notice": _notice(done)})


def _again(
    request: Request, session: Session, staff: Staff, space_id: int, problem: Exception, **more
) -> Response:
    session.expire_all()
    extra = {"error": gettext(str(problem)), "found": getattr(problem, "findings", []), **more}
    return _space_page(request, session, staff, space_id, extra, 422)


@router.post("/staff/dialogues/{space_id}", name="dialogues.update")
def space_update(
    request: Request,
    session: DbSession,
    staff: Writer,
    space_id: ObjectId,
    name: SpaceName = "",
    description: SpaceText = "",
    region: SpaceRegion = "",
) -> Response:
    typed = {"name": name, "description": description, "region": region}
    try:
        with session.begin_nested():
            dialogues.save_space(
                session,
                org_id=staff.organisation_id,
                actor_user_id=staff.user_id,
                space_id=space_id,
                **typed,
            )
    except Invalid as problem:
        return _again(request, session, staff, space_id, problem, typed=typed)
    return RedirectResponse(f"/staff/dialogues/{space_id}?done=saved", 303)


@router.post("/staff/dialogues/{space_id}/members", name="dialogues.add_member")
def member_add(
    request: Request,
    session: DbSession,
    staff: Writer,
    space_id: ObjectId,
    contact_id: Annotated[int, Form(ge=1, le=2_147_483_647)],
    public_name: Annotated[str, Form(max_length=2 * MAX_TITLE)] = "",
) -> Response:
    try:
        with session.begin_nested():
            dialogues.add_member(
                session,
                org_id=staff.organisation_id,
                space_id=space_id,
                contact_id=contact_id,
                public_name=public_name,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as problem:
        return _again(request, session, staff, space_id, problem, public_name=public_name)
    return RedirectResponse(f"/staff/dialogues/{space_id}?done=member_added", 303)


@router.post(
    "/staff/dialogues/{space_id}/members/{contact_id}/remove", name="dialogues.remove_member"
)
def member_remove(
    session: DbSession, staff: Writer, space_id: ObjectId, contact_id: ObjectId
) -> Response:
    dialogues.remove_member(
        session,
        org_id=staff.organisation_id,
        space_id=space_id,
        contact_id=contact_id,
        actor_user_id=staff.user_id,
    )
    return RedirectResponse(f"/staff/dialogues/{space_id}?done=member_removed", 303)


@router.post("/staff/dialogues/{space_id}/periods", name="dialogues.open_period")
def period_open(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    vault: RequestVault,
    staff: Writer,
    space_id: ObjectId,
    label: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    try:
        with session.begin_nested():
            dialogues.open_period(
                session,
                vault,
                settings,
                actor=staff.actor,
                space_id=space_id,
                label=label,
                now=utcnow(),
            )
    except (Invalid, Conflict) as problem:
        return _again(request, session, staff, space_id, problem, label=label)
    return RedirectResponse(f"/staff/dialogues/{space_id}?done=opened", 303)


@router.post("/staff/dialogues/{space_id}/reports/{report_id}/{verdict}", name="dialogues.review")
def report_review(
    request: Request,
    session: DbSession,
    vault: RequestVault,
    staff: Writer,
    space_id: ObjectId,
    report_id: ObjectId,
    verdict: str,
) -> Response:
    dialogues.get_space(session, org_id=staff.organisation_id, space_id=space_id)
    if verdict not in ("publish", "reject"):
        return RedirectResponse(f"/staff/dialogues/{space_id}", 303)
    try:
        with session.begin_nested():
            dialogues.review_report(
                session,
                vault,
                actor=staff.actor,
                report_id=report_id,
                publish=verdict == "publish",
                now=utcnow(),
                space_id=space_id,
            )
    except Conflict as problem:
        return _again(request, session, staff, space_id, problem)
    done = "published" if verdict == "publish" else "rejected"
    return RedirectResponse(f"/staff/dialogues/{space_id}?done={done}", 303)
