"""Staff pages of the recipient groups: the list with a form to create one, and one group
with its members, a rename form and a delete button. Writers change them; every reader of
the organisation sees them. Included by the staff surface (``vigil.surfaces.staff``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from vigil.contacts import groups
from vigil.contacts.service import kind_label, role_label
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_, gettext
from vigil.surfaces.gate import CurrentStaff, Staff, require_writer
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
Writer = Annotated[Staff, Depends(require_writer)]

NOTICES = {
    "group_created": N_("The group was created."),
    "group_renamed": N_("The group was renamed."),
    "group_deleted": N_("The group was deleted; its contacts are still in the directory."),
    "ungrouped": N_("The contact was taken out of the group."),
}


def notice(done: str | None) -> str | None:
    message = NOTICES.get(done or "")
    return gettext(message) if message else None


def _groups_page(
    request: Request, session: Session, staff: Staff, extra: dict[str, Any], status: int = 200
) -> Response:
    context = {
        "staff": staff,
        "groups": groups.list_groups(session, org_id=staff.organisation_id),
        **extra,
    }
    return render(request, "staff/contacts/groups_list.html", context, status)


@router.get("/staff/contact-groups", name="contact_groups.list")
def groups_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _groups_page(request, session, staff, {"notice": notice(done)})


@router.post("/staff/contact-groups", name="contact_groups.create")
def group_create(
    request: Request,
    session: DbSession,
    staff: Writer,
    name: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    try:
        with session.begin_nested():
            group = groups.create_group(
                session,
                org_id=staff.organisation_id,
                name=name,
                description=description,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as problem:
        extra = {"error": str(problem), "name": name, "description": description}
        return _groups_page(request, session, staff, extra, 422)
    return RedirectResponse(f"/staff/contact-groups/{group.id}?done=group_created", 303)


def _group_page(
    request: Request,
    session: Session,
    staff: Staff,
    group_id: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    org_id = staff.organisation_id
    group = groups.get_group(session, org_id=org_id, group_id=group_id)
    context = {
        "staff": staff,
        "group": group,
        "members": groups.group_members(session, org_id=org_id, group_id=group.id),
        "role_label": role_label,
        "kind_label": kind_label,
        "name": group.name,
        "description": group.description,
        **extra,
    }
    return render(request, "staff/contacts/groups_read.html", context, status)


@router.get("/staff/contact-groups/{group_id}", name="contact_groups.read")
def group_page(
    request: Request,
    session: DbSession,
    staff: CurrentStaff,
    group_id: ObjectId,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    return _group_page(request, session, staff, group_id, {"notice": notice(done)})


@router.post("/staff/contact-groups/{group_id}", name="contact_groups.rename")
def group_rename(
    request: Request,
    session: DbSession,
    staff: Writer,
    group_id: ObjectId,
    name: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    groups.get_group(session, org_id=staff.organisation_id, group_id=group_id)
    try:
        with session.begin_nested():
            groups.rename_group(
                session,
                org_id=staff.organisation_id,
                group_id=group_id,
                name=name,
                description=description,
                actor_user_id=staff.user_id,
            )
    except (Invalid, Conflict) as problem:
        session.expire_all()
        extra = {"error": str(problem), "name": name, "description": description}
        return _group_page(request, session, staff, group_id, extra, 422)
    return RedirectResponse(f"/staff/contact-groups/{group_id}?done=group_renamed", 303)


@router.post("/staff/contact-groups/{group_id}/delete", name="contact_groups.delete")
def group_delete(session: DbSession, staff: Writer, group_id: ObjectId) -> Response:
    groups.delete_group(
        session, org_id=staff.organisation_id, group_id=group_id, actor_user_id=staff.user_id
    )
    return RedirectResponse("/staff/contact-groups?done=group_deleted", 303)


@router.post(
    "/staff/contact-groups/{group_id}/members/{contact_id}/remove",
    name="contact_groups.member_remove",
)
def group_member_remove(
    session: DbSession, staff: Writer, group_id: ObjectId, contact_id: ObjectId
) -> Response:
    groups.remove_member(
        session,
        org_id=staff.organisation_id,
        group_id=group_id,
        contact_id=contact_id,
        actor_user_id=staff.user_id,
    )
    return RedirectResponse(f"/staff/contact-groups/{group_id}?done=ungrouped", 303)
